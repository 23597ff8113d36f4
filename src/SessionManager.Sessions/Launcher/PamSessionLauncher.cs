using SessionManager.Sessions.Native;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// <see cref="ISessionLauncher"/> over sm-launcher: one launcher process per logon attempt (its
/// PAM handle), which then supervises the session's backend.
/// </summary>
public sealed class PamSessionLauncher(SessionLauncher launcher) : ISessionLauncher
{
    public async Task<ILogonAttempt> AuthenticateAsync(string user, string password, string clientAddress, CancellationToken cancellationToken)
    {
        // Credentials PAM cannot be given (the launcher's fields are NUL-terminated and bounded)
        // are wrong credentials, counted as such by the callers; no launcher is taken for them.
        if (!LauncherConnection.IsAcceptableCredential(user, password))
        {
            throw new AuthenticationFailedException("user name or password not acceptable (empty, too long, or containing NUL)");
        }

        clientAddress = Logon.PeerText.Clean(clientAddress);
        LauncherConnection connection;
        try
        {
            connection = await launcher.LaunchForLogonAsync(cancellationToken);
        }
        catch (LauncherException ex)
        {
            throw new LauncherUnavailableException(ex.Message, ex);
        }

        try
        {
            var account = await connection.AuthenticateAsync(user, password, clientAddress, null, cancellationToken);
            var groups = account.Groups.Select(Accounts.GroupName).OfType<string>().ToList();
            return new Attempt(connection, new AccountInfo(account.UserName, account.Uid, account.Gid, account.Home, account.Shell, groups));
        }
        catch (AuthenticationFailedException)
        {
            await connection.DisposeAsync();
            throw;
        }
        catch (LauncherException ex)
        {
            await connection.DisposeAsync();
            throw new LauncherUnavailableException(ex.Message, ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<IBackendProcess> StartUnauthenticatedAsync(BackendLaunch launch, CancellationToken cancellationToken)
    {
        var connection = await LaunchAsync(cancellationToken);
        return await StartAsync(connection, launch, BackendIdentity.Account(launch.RunAs ?? "nobody"), cancellationToken);
    }

    private async Task<LauncherConnection> LaunchAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await launcher.TakeOrLaunchAsync(cancellationToken);
        }
        catch (LauncherException ex)
        {
            throw new LauncherUnavailableException(ex.Message, ex);
        }
    }

    private static async Task<IBackendProcess> StartAsync(LauncherConnection connection, BackendLaunch launch, BackendIdentity identity, CancellationToken cancellationToken)
    {
        try
        {
            var started = await connection.StartBackendAsync(new BackendSpec(launch.Command, launch.Environment, identity), cancellationToken);
            return new Backend(connection, started.Pid);
        }
        catch (LauncherException ex)
        {
            await connection.DisposeAsync();
            throw new BackendStartException(ex.Message);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class Attempt(LauncherConnection connection, AccountInfo account) : ILogonAttempt
    {
        private bool _handedOver;

        public AccountInfo Account { get; } = account;

        public Task<IBackendProcess> StartBackendAsync(BackendLaunch launch, CancellationToken cancellationToken)
        {
            _handedOver = true; // the backend owns the launcher from now on, success or not
            var identity = launch.RunAs is null ? BackendIdentity.AuthenticatedUser : BackendIdentity.Account(launch.RunAs);
            return StartAsync(connection, launch, identity, cancellationToken);
        }

        public async ValueTask DiscardAsync()
        {
            if (_handedOver)
            {
                return;
            }

            _handedOver = true;
            try
            {
                await connection.DiscardAsync();
            }
            catch (LauncherException)
            {
                // It is ending anyway.
            }

            await connection.DisposeAsync();
        }

        public ValueTask DisposeAsync() => DiscardAsync();
    }

    private sealed class Backend(LauncherConnection connection, int pid) : IBackendProcess
    {
        public int Pid { get; } = pid;

        public Task<int> Exited { get; } = ExitStatusAsync(connection);

        public async Task StopAsync(TimeSpan timeout)
        {
            if (!Exited.IsCompleted)
            {
                try
                {
                    await connection.StopAsync(timeout);
                }
                catch (LauncherException)
                {
                    // Already gone.
                }
            }

            await Exited.WaitAsync(timeout + TimeSpan.FromSeconds(5));
        }

        /// <summary>Its exit code, or 128 + the signal that killed it (as a shell reports it).</summary>
        private static async Task<int> ExitStatusAsync(LauncherConnection connection)
        {
            try
            {
                var exit = await connection.Exited;
                return exit.ExitCode ?? 128 + (exit.Signal ?? 0);
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
