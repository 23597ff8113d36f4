using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SessionManager.FdsApi.Handler;
using SessionManager.Hosting;
using SessionManager.IntegrationTests.Support;
using SessionManager.Sessions.Backends;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Security;

namespace SessionManager.IntegrationTests;

/// <summary>
/// A reload reaches the services the daemon composes (the host built, not started): the values
/// its consumers read at use change together, and only when the whole file is good.
/// </summary>
public sealed class ReloadConsumersTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string SettingsPath => Path.Combine(_dir.Path, "settings.json");

    [Fact]
    public async Task Policies_limits_backends_permission_levels_and_throttling_follow_a_reload()
    {
        await File.WriteAllTextAsync(SettingsPath, """
            { "Sessions": { "MaxSessions": 2 }, "Auth": { "MaxFailures": 1 } }
            """);
        using var host = Build();
        var policies = host.Services.GetRequiredService<IOptionsMonitor<PolicyBook>>();
        var permissions = host.Services.GetRequiredService<IOptionsMonitor<PermissionBook>>();
        var backends = host.Services.GetRequiredService<IOptionsMonitor<BackendCatalog>>();
        var sessions = host.Services.GetRequiredService<IOptionsMonitor<SessionsOptions>>();
        var throttle = host.Services.GetRequiredService<AuthThrottle>();
        throttle.Failed("erin", "10.0.0.1", "test", "wrong password");
        Assert.False(throttle.MayTry("erin", "10.0.0.1", "test", out _));
        Assert.Equal(2, policies.CurrentValue.For("erin", ["staff"]).MaxSessions);
        var before = policies.CurrentValue;

        await File.WriteAllTextAsync(SettingsPath, """
            { "Sessions": { "MaxSessions": 5, "LogonBudget": "00:00:07" }, "Auth": { "MaxFailures": 3 },
              "Permissions": { "Level": "USER" },
              "Policies": { "Groups": { "staff": { "Sessions": { "MaxSessions": 1 }, "Permissions": { "Level": "FULL" } } } },
              "Backends": { "kiosk": { "Command": [ "/bin/true" ], "Endpoint": "kiosk_{SessionId}" } } }
            """);
        await host.Services.GetRequiredService<ConfigurationReloader>().ReloadAsync();

        Assert.Equal(5, policies.CurrentValue.Global.MaxSessions);
        Assert.Equal(1, policies.CurrentValue.For("erin", ["staff"]).MaxSessions);
        Assert.Equal(2, before.Global.MaxSessions); // a logon holding the old book keeps it
        Assert.Equal(PermissionFlags.Full, permissions.CurrentValue.LevelOf("erin", ["staff"]));
        Assert.Equal(PermissionFlags.User, permissions.CurrentValue.LevelOf("bob", []));
        Assert.NotNull(backends.CurrentValue.Find("kiosk"));
        Assert.Equal(TimeSpan.FromSeconds(7), sessions.CurrentValue.LogonBudget);
        Assert.True(throttle.MayTry("erin", "10.0.0.1", "test", out _)); // 1 failure of 3 now

        // A bad key: nothing of the file is taken.
        await File.WriteAllTextAsync(SettingsPath, """
            { "Sessions": { "MaxSessions": 9 }, "Backends": { "kiosk": { "Endpoint": "a/b" } } }
            """);
        await host.Services.GetRequiredService<ConfigurationReloader>().ReloadAsync();

        Assert.Equal(5, policies.CurrentValue.Global.MaxSessions);
        Assert.NotNull(backends.CurrentValue.Find("kiosk"));
    }

    public void Dispose() => _dir.Dispose();

    private IHost Build() => SessionManagerHost.CreateBuilder(
    [
        $"--Config:File={SettingsPath}", $"--Icp:SocketPath={Path.Combine(_dir.Path, "sm.sock")}", "--FdsApi:Port=0", "--Log:Console=false",
    ]).Build();
}
