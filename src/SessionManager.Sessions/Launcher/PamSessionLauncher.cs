using SessionManager.Sessions.Native;

namespace SessionManager.Sessions.Launcher;

/// <summary>
/// <see cref="ISessionLauncher"/> over sm-launcher: one launcher process per logon attempt (its
/// PAM handle), which then supervises the session's backend.
/// </summary>
public sealed class PamSessionLauncher(SessionLauncher launcher, TimeProvider time) : ISessionLauncher
{
    /// <summary>How often a backend whose launcher was lost is looked at while it is being stopped.</summary>
    private static readonly TimeSpan OrphanPoll = TimeSpan.FromMilliseconds(50);

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
            return new Attempt(connection, new AccountInfo(account.UserName, account.Uid, account.Gid, account.Home, account.Shell, groups), time);
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
        return await StartAsync(connection, launch, BackendIdentity.Account(launch.RunAs ?? "nobody"), time, cancellationToken);
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

    private static async Task<IBackendProcess> StartAsync(LauncherConnection connection, BackendLaunch launch, BackendIdentity identity, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            var started = await connection.StartBackendAsync(new BackendSpec(launch.Command, launch.Environment, identity), cancellationToken);
            // Stamped now, while the launcher is known to be its parent: if the launcher is lost
            // later, the backend is stopped by this stamp, never a later process with its pid.
            var stamp = ProcessStamp.Read(started.Pid, parent: connection.LauncherPid);
            return new Backend(connection, started.Pid, stamp is { } st && st.Group == started.ProcessGroup ? st : null, time);
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

    private sealed class Attempt(LauncherConnection connection, AccountInfo account, TimeProvider time) : ILogonAttempt
    {
        private bool _handedOver;

        public AccountInfo Account { get; } = account;

        public Task<IBackendProcess> StartBackendAsync(BackendLaunch launch, CancellationToken cancellationToken)
        {
            _handedOver = true; // the backend owns the launcher from now on, success or not
            var identity = launch.RunAs is null ? BackendIdentity.AuthenticatedUser : BackendIdentity.Account(launch.RunAs);
            return StartAsync(connection, launch, identity, time, cancellationToken);
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

    private sealed class Backend(LauncherConnection connection, int pid, ProcessStamp? stamp, TimeProvider time) : IBackendProcess
    {
        public int Pid { get; } = pid;

        /// <summary>Faults with <see cref="LauncherLostException"/> if the launcher goes before reporting the end.</summary>
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
                    // Already gone, or its launcher is (Exited says which).
                }
            }

            try
            {
                await Exited.WaitAsync(timeout + TimeSpan.FromSeconds(5));
            }
            catch (LauncherLostException)
            {
                await StopOrphanAsync(timeout);
            }
        }

        /// <summary>
        /// The launcher that supervised the backend is gone (its child, the backend, now belongs to
        /// init and runs on): SIGTERM to the backend's process group, SIGKILL after
        /// <paramref name="timeout"/>, each only while the stamped process still runs.
        /// </summary>
        private async Task StopOrphanAsync(TimeSpan timeout)
        {
            if (stamp is not { } s || !s.IsRunning)
            {
                return;
            }

            LauncherNative.SignalGroup(s.Group, LauncherNative.SIGTERM);
            long started = time.GetTimestamp();
            while (s.IsRunning && time.GetElapsedTime(started) < timeout)
            {
                await Task.Delay(OrphanPoll, time);
            }

            if (s.IsRunning)
            {
                LauncherNative.SignalGroup(s.Group, LauncherNative.SIGKILL);
            }
        }

        /// <summary>Its exit code, or 128 + the signal that killed it (as a shell reports it).</summary>
        private static async Task<int> ExitStatusAsync(LauncherConnection connection)
        {
            try
            {
                var exit = await connection.Exited;
                return exit.ExitCode ?? 128 + (exit.Signal ?? 0);
            }
            catch (LauncherException e)
            {
                // A launcher still alive (the connection broke, or it talked garbage) would wait
                // for a reconnect with the backend running: it is told to stop it and end.
                connection.TerminateLauncher();
                throw new LauncherLostException(connection.LauncherPid, e.Message.Replace("launcher connection closed: ", "", StringComparison.Ordinal));
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
