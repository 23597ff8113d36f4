using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace SessionManager.Hosting;

/// <summary>
/// sd_notify(3) through Microsoft.Extensions.Hosting.Systemd: its <see cref="SystemdLifetime"/>
/// sends READY=1 once every hosted service has started (both sockets listen) and STOPPING=1;
/// its <see cref="ISystemdNotifier"/> sends any state (RELOADING=1, WATCHDOG=1), to a path or an
/// abstract ('@') NOTIFY_SOCKET. AddSystemd() registers them only when the parent is systemd;
/// here they are also registered whenever NOTIFY_SOCKET is set (as newer runtimes do), which is
/// what lets the tests play systemd with a datagram socket of their own.
/// </summary>
internal static class SystemdNotify
{
    public static IServiceCollection AddSystemdNotify(this IServiceCollection services)
    {
        services.AddSystemd();
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")) && !services.Any(d => d.ImplementationType == typeof(SystemdLifetime)))
        {
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        return services;
    }

    /// <summary>
    /// RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, which .NET's timestamps read on Linux):
    /// systemd 252 (Debian 12) needs only RELOADING=1 and ignores the rest; Type=notify-reload
    /// (systemd 253 and later) requires MONOTONIC_USEC with it.
    /// </summary>
    public static void Reloading(this ISystemdNotifier notifier, TimeProvider time)
    {
        long ticks = time.GetTimestamp(), frequency = time.TimestampFrequency;
        long usec = (ticks / frequency * 1_000_000) + (ticks % frequency * 1_000_000 / frequency);
        notifier.Notify(new ServiceState(FormattableString.Invariant($"RELOADING=1\nMONOTONIC_USEC={usec}")));
    }
}
