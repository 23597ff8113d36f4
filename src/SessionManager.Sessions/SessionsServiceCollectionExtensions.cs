using Microsoft.Extensions.DependencyInjection;
using SessionManager.Sessions.Launcher;

namespace SessionManager.Sessions;

public static class SessionsServiceCollectionExtensions
{
    /// <summary>The session registry, its RDS→SM handlers and the launcher client.</summary>
    public static IServiceCollection AddSessions(this IServiceCollection services) => services.AddLauncher();
}
