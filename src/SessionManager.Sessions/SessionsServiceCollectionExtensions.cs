using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SessionManager.FdsApi.Handler;
using SessionManager.Icp;
using SessionManager.Icp.Protocol;
using SessionManager.Icp.Settings;
using SessionManager.Sessions.Backends;
using SessionManager.Sessions.FdsApi;
using SessionManager.Sessions.Handlers;
using SessionManager.Sessions.Hosting;
using SessionManager.Sessions.Launcher;
using SessionManager.Sessions.Logon;
using SessionManager.Sessions.Policies;
using SessionManager.Sessions.Properties;
using SessionManager.Sessions.Registry;
using SessionManager.Sessions.Routing;
using SessionManager.Sessions.Tls;
using SessionManager.Sessions.Tokens;

namespace SessionManager.Sessions;

public static class SessionsServiceCollectionExtensions
{
    /// <summary>
    /// The start-up preparation of sessions (TLS pair, stale token files, pipe directory). Register
    /// it before the ICP engine: it must be done before the RDS server can connect.
    /// </summary>
    public static IServiceCollection AddSessionsPreparation(this IServiceCollection services) =>
        services.AddHostedService<SessionsPreparation>();

    /// <summary>The session registry, its RDS→SM handlers, the fdsapi side it answers, and the launcher client.</summary>
    /// <param name="configuration">Read for <c>FdsApi:Routing</c>: <c>sessions</c> (default) routes fdsapi
    /// sessionIds through the registry; <c>connection</c> keeps the FreeRDS-era rule that the
    /// sessionId is the RDS connectionId (for rigs that drive the RDS side by hand).</param>
    public static IServiceCollection AddSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLauncher();
        services.AddSingleton<ISessionLauncher, PamSessionLauncher>();
        services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.SectionName);
        // ogon's clients are served with the RDS server's pair unless fdsapi is given its own.
        services.AddOptions<SessionManager.FdsApi.FdsApiOptions>().PostConfigure<Microsoft.Extensions.Options.IOptions<TlsOptions>>((fdsapi, tls) =>
        {
            if (fdsapi.TlsCertificatePath.Length == 0 && fdsapi.TlsKeyPath.Length == 0)
            {
                fdsapi.TlsCertificatePath = tls.Value.CertificatePath;
                fdsapi.TlsKeyPath = tls.Value.KeyPath;
            }
        });
        services.AddOptions<SessionsOptions>().BindConfiguration(SessionsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<SessionsOptions>, SessionsOptionsValidator>();
        services.AddOptions<PipesOptions>().BindConfiguration(PipesOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        // What a reload (SIGHUP) changes: policies, limits, backends, permission levels, channel
        // lists, throttling, token lifetime. Each is read from the configuration of its generation.
        services.AddReloadableOptions<SessionsOptions>();
        services.AddReloadable(sp => PolicyBook.Read(sp.GetRequiredService<IConfiguration>(), out _));
        services.AddReloadable(sp => new BackendCatalog(sp.GetRequiredService<IConfiguration>()));
        services.AddReloadable(sp => new Security.PermissionBook(sp.GetRequiredService<IConfiguration>()));
        services.AddReloadable(sp => ChannelLists.Read(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<SessionEventHub>();
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<SessionManager.Icp.Hosting.ILivenessProbe, RegistryProbe>();
        services.AddSingleton<DisplayAllocator>();
        services.AddSingleton<BackendStarter>();
        services.AddSingleton<SessionTokenFiles>();
        services.AddSingleton<PropertyStore>();
        services.AddMetrics();
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<SessionService>();

        services.AddIcpHandler<PropertyBoolRequest, PropertyBoolResponse, PropertyHandlers>(MsgType.PropertyBool);
        services.AddIcpHandler<PropertyNumberRequest, PropertyNumberResponse, PropertyHandlers>(MsgType.PropertyNumber);
        services.AddIcpHandler<PropertyStringRequest, PropertyStringResponse, PropertyHandlers>(MsgType.PropertyString);
        services.AddIcpHandler<PropertyBulkRequest, PropertyBulkResponse, PropertyHandlers>(MsgType.PropertyBulk);
        services.AddIcpHandler<LogonUserRequest, LogonUserResponse, LogonHandlers>(MsgType.LogonUser);
        services.AddIcpHandler<ReconnectUserRequest, LogonUserResponse, LogonHandlers>(MsgType.ReconnectUser);
        services.AddIcpHandler<DisconnectUserSessionRequest, DisconnectUserSessionResponse, ConnectionHandlers>(MsgType.DisconnectUserSession);
        services.AddIcpHandler<LogoffUserSessionRequest, LogoffUserSessionResponse, ConnectionHandlers>(MsgType.LogoffUserSession);
        services.AddIcpHandler<RemoteControlEndedRequest, RemoteControlEndedResponse, ConnectionHandlers>(MsgType.RemoteControlEnded);
        services.AddIcpHandler<IsChannelAllowedRequest, IsChannelAllowedResponse, ConnectionHandlers>(MsgType.IsChannelAllowed);
        services.AddIcpHandler<VersionInfoRequest, VersionInfoResponse, GreeterHandlers>(MsgType.SbpVersionInfo);
        services.AddIcpHandler<AuthenticateUserRequest, AuthenticateUserResponse, GreeterHandlers>(MsgType.AuthenticateUser);
        services.AddIcpHandler<EndSessionRequest, EndSessionResponse, GreeterHandlers>(MsgType.EndSession);

        services.AddOptions<Security.TokenOptions>().BindConfiguration(Security.TokenOptions.SectionName);
        services.AddReloadableOptions<Security.TokenOptions>();
        services.AddSingleton<Security.LogonTokens>();
        services.AddOptions<Security.AuthThrottleOptions>().BindConfiguration("Auth").ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Security.AuthThrottleOptions>, Security.AuthThrottleOptionsValidator>();
        services.AddReloadableOptions<Security.AuthThrottleOptions>();
        services.AddSingleton<Security.AuthThrottle>();
        services.AddSingleton<ITokenService, Security.TokenService>();
        if (!string.Equals(configuration["FdsApi:RequireToken"], "false", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<IFdsApiCallGate, Security.TokenCallGate>();
        }

        // The registry names the sessions: fdsapi routes through it and answers from it.
        if (!string.Equals(configuration["FdsApi:Routing"], "connection", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<ISessionRouting, RegistrySessionRouting>();
            services.AddSingleton<ISessionDirectory, RegistrySessionDirectory>();
        }

        services.AddSingleton<TlsPairCreator>();
        services.AddHostedService<SessionsHostedService>();
        return services;
    }
}
