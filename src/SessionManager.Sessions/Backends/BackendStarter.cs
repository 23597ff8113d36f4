using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Registry;

namespace SessionManager.Sessions.Backends;

/// <summary>
/// Starts a session's backend through its launcher and waits until its endpoint is ready: the
/// command and environment filled in (SESSIONS.md §3.2), a stale or squatted file at the
/// endpoint path removed first, then <see cref="EndpointProbe"/>.
/// </summary>
public sealed partial class BackendStarter(IOptionsMonitor<BackendCatalog> backends, IOptions<PipesOptions> pipes, TimeProvider time, ILogger<BackendStarter> logger)
{
    private PipesOptions Pipes => pipes.Value;

    /// <summary>The environment and command of a session's backend.</summary>
    internal BackendLaunch LaunchFor(SessionRecord session, BackendOptions backend, string accountName, uint rdsUid, int rdsPid, ClientInfo client)
    {
        var (width, height) = Geometry(client, session.MaxWidth, session.MaxHeight);
        int depth = client.ColorDepth > 0 ? client.ColorDepth : 24;
        string endpointPath = Pipes.PathOf(session.PipeName);
        var fill = new Placeholders(session.Id, session.PipeName, endpointPath, session.Display, width, height, depth, accountName);

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OGON_SID"] = session.Id.ToString(CultureInfo.InvariantCulture),
            ["OGON_COOKIE"] = session.OgonCookie,
            ["OGON_BACKEND_COOKIE"] = session.BackendCookie,
            ["OGON_SMAX"] = $"{session.MaxWidth}x{session.MaxHeight}",
            ["OGON_UID"] = rdsUid.ToString(CultureInfo.InvariantCulture),
            ["OGON_CONNECTION_BPP"] = depth.ToString(CultureInfo.InvariantCulture),
            ["OGON_PIPE_PATH"] = endpointPath,
        };
        if (client.HostName.Length > 0)
        {
            environment["OGON_SESSION_CLIENT_NAME"] = client.HostName;
        }

        if (client.Address.Length > 0)
        {
            environment["OGON_SESSION_CLIENT_ADDRESS"] = client.Address;
        }

        if (session.IsGreeter)
        {
            // The greeter gets who is logging on, not an account (SESSIONS.md §3.2); and the RDS's
            // pid, which a user session must not depend on (it outlives an RDS restart).
            environment["OGON_USER"] = session.TypedUser ?? "";
            environment["OGON_DOMAIN"] = "";
            environment["OGON_PID"] = rdsPid.ToString(CultureInfo.InvariantCulture);
        }

        if (session.Display is { } display)
        {
            environment["DISPLAY"] = $":{display}";
        }

        foreach (var (name, value) in backend.Environment)
        {
            environment[name] = fill.Fill(value);
        }

        var command = backend.Command.Select(fill.Fill).ToList();
        return new BackendLaunch(command, environment, backend.User.Length > 0 ? backend.User : null);
    }

    /// <summary>min(client size, session maximum), or ogon's fallback 1024×768 when the client gave none.</summary>
    internal static (int Width, int Height) Geometry(ClientInfo client, int maxWidth, int maxHeight)
    {
        int width = client.Width > 0 ? client.Width : 1024, height = client.Height > 0 ? client.Height : 768;
        return (maxWidth > 0 ? Math.Min(width, maxWidth) : width, maxHeight > 0 ? Math.Min(height, maxHeight) : height);
    }

    /// <summary>Whatever is at the endpoint path before the backend starts is not its own: removed.</summary>
    internal void RemoveStaleEndpoint(SessionRecord session)
    {
        string path = Pipes.PathOf(session.PipeName);
        if (File.Exists(path) || Directory.Exists(path))
        {
            File.Delete(path);
            StaleEndpointRemoved(logger, session.Id, path);
        }
    }

    /// <summary>Waits for the endpoint (bounded by the backend's StartTimeout and the caller's token).</summary>
    internal Task WaitForEndpointAsync(SessionRecord session, string backendName, BackendOptions backend, uint backendUid, IBackendProcess process, CancellationToken cancellationToken) =>
        EndpointProbe.WaitAsync(Pipes.PathOf(session.PipeName), backendUid, process.Exited, backend.StartTimeout, $"Backends:{backendName}:StartTimeout", time, cancellationToken);

    /// <summary>The backend as configured now (Backends:* follow reloads; a session started keeps what it was started with).</summary>
    public BackendOptions Find(string name) =>
        backends.CurrentValue.Find(name) ?? throw new BackendStartException($"no backend named '{name}' (Backends:{name} is not configured)");

    /// <summary>How long a backend of <paramref name="name"/> may take to stop; the default if a reload removed it.</summary>
    public TimeSpan StopTimeoutOf(string name) => (backends.CurrentValue.Find(name) ?? new BackendOptions()).StopTimeout;

    [LoggerMessage(3400, LogLevel.Warning, "Session {SessionId}: removed a stale or squatted file at the endpoint path {Path} before starting the backend")]
    private static partial void StaleEndpointRemoved(ILogger logger, int sessionId, string path);
}
