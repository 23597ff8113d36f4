using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SessionManager.FdsApi.Generated;
using SessionManager.FdsApi.Logging;
using SessionManager.FdsApi.Server;
using SessionManager.Icp.Errors;
using Thrift;

namespace SessionManager.FdsApi.Handler;

/// <summary>
/// The fdsapi methods, for one client connection (so that a failed call's cause can reach that
/// connection's <see cref="CauseRevealingProtocol"/>). This file: the methods answered locally
/// and the error boundary; <c>FdsApiHandler.Bridged.cs</c>: the methods answered over ICP.
/// </summary>
public sealed partial class FdsApiHandler : fdsapi.IAsync
{
    private readonly FdsApiDependencies _deps;
    private readonly CallFailureSlot _failures;
    private readonly ILogger _logger;

    internal FdsApiHandler(FdsApiDependencies deps, CallFailureSlot failures)
    {
        _deps = deps;
        _failures = failures;
        _logger = deps.Logger;
    }

    public Task<TVersion> getVersionInfo(TVersion? versionInfo, CancellationToken cancellationToken = default) =>
        Task.FromResult(new TVersion { VersionMajor = 1, VersionMinor = 1 });

    public Task<int> ping(int input, CancellationToken cancellationToken = default) => Task.FromResult(input);

    // Backed by the session registry, which comes with a later issue.
    public Task<TReturnLogonConnection> logonConnection(string? username, string? password, string? domain, CancellationToken cancellationToken = default) =>
        NotAvailable<TReturnLogonConnection>(nameof(logonConnection));

    public Task<int> getPermissionForToken(string? authToken, CancellationToken cancellationToken = default) =>
        NotAvailable<int>(nameof(getPermissionForToken));

    public Task<bool> logoffConnection(string? authToken, CancellationToken cancellationToken = default) =>
        NotAvailable<bool>(nameof(logoffConnection));

    public Task<TReturnEnumerateSession> enumerateSessions(string? authToken, int Version, CancellationToken cancellationToken = default) =>
        NotAvailable<TReturnEnumerateSession>(nameof(enumerateSessions));

    public Task<TReturnQuerySessionInformation> querySessionInformation(string? authToken, int sessionId, int infoClass, CancellationToken cancellationToken = default) =>
        NotAvailable<TReturnQuerySessionInformation>(nameof(querySessionInformation));

    private Task<T> NotAvailable<T>(string method)
    {
        _logger.NotAvailable(method);
        var failure = new TApplicationException(TApplicationException.ExceptionType.InternalError,
            $"{method} is not available yet: this session manager has no session registry");
        _failures.Set(failure);
        return Task.FromException<T>(failure);
    }

    /// <summary>
    /// The error boundary of every bridged call: times it, logs it, and
    /// turns any failure into the TApplicationException the client will see (FDSAPI.md "Errors").
    /// </summary>
    private async Task<T> BridgeAsync<T>(string method, int sessionId, Func<uint, Task<T>> call)
    {
        uint connectionId = _deps.Routing.ConnectionIdFor(sessionId);
        long started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call(connectionId);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.CallSucceeded(method, sessionId, connectionId, ElapsedMs(started));
            }

            return result;
        }
        catch (IcpException ex)
        {
            _logger.CallFailed(method, sessionId, connectionId, ex.Tag, ElapsedMs(started), ex.Message);
            _failures.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, ex.Message));
            throw;
        }
        catch (OperationCanceledException)
        {
            const string cause = "session manager is shutting down";
            _logger.CallFailed(method, sessionId, connectionId, null, ElapsedMs(started), cause);
            _failures.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, $"{method}: {cause}"));
            throw;
        }
        catch (Exception ex)
        {
            _logger.CallCrashed(ex, method, sessionId);
            _failures.Set(new TApplicationException(TApplicationException.ExceptionType.InternalError, $"{method} failed in the session manager: {ex.Message}"));
            throw;
        }
    }

    private static double ElapsedMs(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
