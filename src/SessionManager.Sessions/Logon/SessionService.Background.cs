using Microsoft.Extensions.Logging;

namespace SessionManager.Sessions.Logon;

public sealed partial class SessionService
{
    private readonly Lock _backgroundSync = new();
    private readonly HashSet<Task> _background = [];

    /// <summary>Work that goes on after an answer has left (a session ending, a logon finishing
    /// after its budget): owned here, its failure logged, waited for at shutdown.</summary>
    private void InBackground(Task work, string what)
    {
        if (work.IsCompleted)
        {
            Observe(work, what);
            return;
        }

        lock (_backgroundSync)
        {
            _background.Add(work);
        }

        _ = work.ContinueWith((done, state) =>
        {
            var (service, name) = ((SessionService, string))state!;
            lock (service._backgroundSync)
            {
                service._background.Remove(done);
            }

            service.Observe(done, name);
        }, (this, what), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Observe(Task work, string what)
    {
        if (work.Exception is { } failed)
        {
            BackgroundWorkFailed(_logger, what, failed.InnerException ?? failed);
        }
    }

    /// <summary>Waits until no background work is left (new work started meanwhile included).</summary>
    private async Task DrainBackgroundAsync()
    {
        while (true)
        {
            Task[] running;
            lock (_backgroundSync)
            {
                running = [.. _background];
            }

            if (running.Length == 0)
            {
                return;
            }

            // Failures are logged by InBackground; here only the waiting matters.
            await Task.WhenAll(running).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    [LoggerMessage(3505, LogLevel.Error, "{Work} failed (it went on in the background)")]
    private static partial void BackgroundWorkFailed(ILogger logger, string work, Exception exception);
}
