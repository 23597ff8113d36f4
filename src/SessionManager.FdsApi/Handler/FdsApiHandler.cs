using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Logging;
using SessionManager.FdsApi.Server;
using SessionManager.Icp.Connection;
using SessionManager.Icp.Errors;
using Thrift;

namespace SessionManager.FdsApi.Handler;

/// <summary>
/// The fdsapi methods, for one client connection (so that a failed call's cause can reach that
/// connection's <see cref="CauseRevealingProtocol"/>). This file: the methods answered locally,
/// the check point and the error boundary; <c>FdsApiHandler.Bridged.cs</c>: the methods
/// answered over ICP.
/// </summary>
public sealed partial class FdsApiHandler : fdsapi.IAsync
{
    private static readonly TVersion OurVersion = new() { VersionMajor = 1, VersionMinor = 1 };

    private readonly FdsApiDependencies _deps;
    private readonly CallFailureSlot _failures;
    private readonly ILogger _logger;

    private readonly string _clientAddress;

    /// <summary>Cancelled when the client left during a call: a cancelled call is then not a shutdown.</summary>
    private readonly CancellationToken _clientLeft;

    internal FdsApiHandler(FdsApiDependencies deps, CallFailureSlot failures, string clientAddress = "", CancellationToken clientLeft = default)
    {
        _clientAddress = clientAddress;
        _clientLeft = clientLeft;
        _deps = deps;
        _failures = failures;
        _logger = deps.Logger;
    }

    public async Task<TVersion> getVersionInfo(TVersion? versionInfo, CancellationToken cancellationToken = default)
    {
        // A denied getVersionInfo still answers: a client must learn our version to talk at all.
        await AdmitLocalAsync(new FdsApiCall(nameof(getVersionInfo), null), cancellationToken);
        return OurVersion;
    }

    public async Task<int> ping(int input, CancellationToken cancellationToken = default)
    {
        await AdmitLocalAsync(new FdsApiCall(nameof(ping), null), cancellationToken);
        return input;
    }

    public async Task<TReturnLogonConnection> logonConnection(string? username, string? password, string? domain, CancellationToken cancellationToken = default)
    {
        var call = new FdsApiCall(nameof(logonConnection), null);
        if (_deps.Tokens is not { } tokens)
        {
            return await NotAvailableAsync<TReturnLogonConnection>(call, NoTokenService, cancellationToken);
        }

        if (!await AdmitLocalAsync(call, cancellationToken))
        {
            return new TReturnLogonConnection { Success = false, AuthToken = "" };
        }

        // Never logged: the password (not even its length) and the token issued.
        string? token = await tokens.LogonAsync(username ?? "", password ?? "", _clientAddress, cancellationToken);
        return new TReturnLogonConnection { Success = token is not null, AuthToken = token ?? "" };
    }

    public async Task<int> getPermissionForToken(string? authToken, CancellationToken cancellationToken = default)
    {
        var call = new FdsApiCall(nameof(getPermissionForToken), authToken);
        if (_deps.Tokens is not { } tokens)
        {
            return await NotAvailableAsync<int>(call, NoTokenService, cancellationToken);
        }

        return await AdmitLocalAsync(call, cancellationToken) ? tokens.PermissionsOf(authToken) : 0;
    }

    public async Task<bool> logoffConnection(string? authToken, CancellationToken cancellationToken = default)
    {
        var call = new FdsApiCall(nameof(logoffConnection), authToken);
        if (_deps.Tokens is not { } tokens)
        {
            return await NotAvailableAsync<bool>(call, NoTokenService, cancellationToken);
        }

        return await AdmitLocalAsync(call, cancellationToken) && tokens.Revoke(authToken);
    }

    public async Task<TReturnEnumerateSession> enumerateSessions(string? authToken, int Version, CancellationToken cancellationToken = default)
    {
        var call = new FdsApiCall(nameof(enumerateSessions), authToken);
        if (_deps.Directory is not { } directory)
        {
            return await NotAvailableAsync<TReturnEnumerateSession>(call, NoRegistryRouting, cancellationToken);
        }

        if (!await AdmitLocalAsync(call, cancellationToken))
        {
            return new TReturnEnumerateSession { ReturnValue = false, SessionInfoList = [] };
        }

        return new TReturnEnumerateSession { ReturnValue = true, SessionInfoList = [.. directory.Enumerate().Where(s => _deps.Gate.MaySee(authToken, s.SessionId))] };
    }

    public async Task<TReturnQuerySessionInformation> querySessionInformation(string? authToken, int sessionId, int infoClass, CancellationToken cancellationToken = default)
    {
        var call = new FdsApiCall(nameof(querySessionInformation), authToken, sessionId);
        if (_deps.Directory is not { } directory)
        {
            return await NotAvailableAsync<TReturnQuerySessionInformation>(call, NoRegistryRouting, cancellationToken);
        }

        if (!await AdmitLocalAsync(call, cancellationToken))
        {
            return new TReturnQuerySessionInformation { ReturnValue = false };
        }

        return directory.Query(sessionId, infoClass);
    }

    private const string NoTokenService = "a token service";
    private const string NoRegistryRouting = "the session registry's routing (FdsApi:Routing=connection)";

    /// <param name="missing">What the daemon runs without, for the client's error text.</param>
    private async Task<T> NotAvailableAsync<T>(FdsApiCall call, string missing, CancellationToken cancellationToken)
    {
        await AdmitAsync(call, cancellationToken);
        _logger.NotAvailable(call.Method);
        var failure = new TApplicationException(TApplicationException.ExceptionType.InternalError,
            $"{call.Method} is not available: this daemon runs without {missing}");
        _failures.Set(failure);
        throw failure;
    }

    /// <summary>
    /// The check point of the methods answered here: true if the gate lets the call through (a
    /// denial is logged). Their work (a logon, token files, a walk over every session) is not the
    /// bounded step an ICP reader may run, so a call that reached here on one leaves it first
    /// (FdsApiConnection lets a small request that was already waiting be parsed there).
    /// </summary>
    private async ValueTask<bool> AdmitAsync(FdsApiCall call, CancellationToken cancellationToken)
    {
        if (IcpReaderInline.IsActive)
        {
            await Task.Yield();
        }

        return (await CheckAsync(call, cancellationToken)).Allowed;
    }

    /// <summary>A locally answered call that passed the check point (its denial is counted there).</summary>
    private async ValueTask<bool> AdmitLocalAsync(FdsApiCall call, CancellationToken cancellationToken)
    {
        bool allowed = await AdmitAsync(call, cancellationToken);
        if (allowed)
        {
            _deps.Metrics?.Call(call.Method, FdsApiMetrics.Results.Ok);
        }

        return allowed;
    }

    private async ValueTask<FdsApiAdmission> CheckAsync(FdsApiCall call, CancellationToken cancellationToken)
    {
        var admission = await _deps.Gate.AdmitAsync(call, cancellationToken);
        if (!admission.Allowed)
        {
            _logger.CallDenied(call.Method, call.SessionId, admission.DenialReason ?? "no reason given");
            _deps.Metrics?.Call(call.Method, FdsApiMetrics.Results.Denied);
        }

        return admission;
    }

    /// <summary>
    /// The check point, then the route: the ICP connection the call goes to, or no route (denied,
    /// or no such session; logged), for which the method gives its ordinary negative answer; and
    /// whom the ICP call is made for (the session it acts on, the token), which bounds the calls
    /// in flight of each. Completes synchronously (no allocation) when the gate and the routing do.
    /// </summary>
    private async ValueTask<(SessionRoute Route, IcpCaller Caller)> AdmitAndRouteAsync(FdsApiCall call, CancellationToken cancellationToken)
    {
        var admission = await CheckAsync(call, cancellationToken);

        // WTS_CURRENT_SESSION: the gate names the token's own session. The caller is keyed by the
        // session so resolved, so that -1 and the session's number share one bound.
        int sessionId = admission.SessionId ?? call.SessionId ?? 0;
        var caller = new IcpCaller(sessionId, _deps.TokensChecked ? call.AuthToken : null);
        if (!admission.Allowed)
        {
            return (SessionRoute.None("denied"), caller);
        }

        var route = await _deps.Routing.RouteAsync(sessionId, cancellationToken);
        if (!route.Found)
        {
            _logger.NoRoute(call.Method, sessionId, route.NoRouteReason ?? "unknown session");
            _deps.Metrics?.Call(call.Method, FdsApiMetrics.Results.NoRoute);
        }

        return (route, caller);
    }

    /// <summary>
    /// The error boundary of every bridged call, as an exception filter (it runs before the stack
    /// unwinds, and the method rethrows): logs the failure and records the TApplicationException
    /// the client will see (FDSAPI.md "Errors"). Always true.
    /// </summary>
    private bool RecordFailure(Exception ex, string method, int sessionId, uint connectionId, long started)
    {
        switch (ex)
        {
            case IcpException icp:
                if (_deps.LogLimits.CallFailed.ShouldLog())
                {
                    _logger.CallFailed(method, sessionId, connectionId, icp.Tag, ElapsedMs(started), icp.Message);
                }

                _failures.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, icp.Message));
                _deps.Metrics?.Call(method, FdsApiMetrics.Results.Error);
                break;
            case OperationCanceledException:
                string cause = _clientLeft.IsCancellationRequested ? "the client left during the call" : "session manager is shutting down";
                _logger.CallFailed(method, sessionId, connectionId, null, ElapsedMs(started), cause);
                _failures.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, $"{method}: {cause}"));
                _deps.Metrics?.Call(method, FdsApiMetrics.Results.Cancelled);
                break;
            default:
                _logger.CallCrashed(ex, method, sessionId);
                _failures.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, $"{method} failed in the session manager: {ex.Message}"));
                _deps.Metrics?.Call(method, FdsApiMetrics.Results.Crashed);
                break;
        }

        return true;
    }

    private void Succeeded(string method, int sessionId, uint connectionId, long started)
    {
        _deps.Metrics?.Call(method, FdsApiMetrics.Results.Ok);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.CallSucceeded(method, sessionId, connectionId, ElapsedMs(started));
        }
    }

    private static double ElapsedMs(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
