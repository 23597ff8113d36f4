using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SessionManager.Control.Protocol;
using SessionManager.Control.Security;
using SessionManager.Control.Verbs;

namespace SessionManager.Control.Hosting;

/// <summary>One smctl connection: one request line in (bounded in size and time), one response line out, closed.</summary>
internal sealed class ControlExchange(Socket socket, ControlCaller caller, ControlVerbs verbs, ILogger logger)
{
    /// <summary>A client has this long to send its request; a verb itself may take longer (logoff waits for the end).</summary>
    internal static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken stopping)
    {
        using (socket)
        {
            ControlResponse response;
            try
            {
                response = await ReadRequestAsync(stopping) is { } request
                    ? await verbs.ExecuteAsync(request, caller, stopping)
                    : Bad("the request must be one JSON line of at most 16384 bytes, sent within 5 s");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                response = new ControlResponse { Outcome = ControlOutcome.Failed, Error = "the session manager is shutting down" };
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                logger.ControlBadRequest(caller.Uid, caller.Pid, ex.Message);
                return;
            }

            await WriteAsync(socket, response);
        }
    }

    public static async Task RefuseBusyAsync(Socket socket)
    {
        using (socket)
        {
            await WriteAsync(socket, new ControlResponse { Outcome = ControlOutcome.Busy, Error = "the session manager is serving too many smctl requests; try again" });
        }
    }

    private async Task<ControlRequest?> ReadRequestAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(ReadTimeout);
        byte[] buffer = new byte[ControlProtocol.MaxRequestBytes + 1];
        int filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                int newline = Array.IndexOf(buffer, (byte)'\n', filled, read);
                filled += read;
                if (newline >= 0)
                {
                    return Parse(buffer.AsSpan(0, newline));
                }
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            logger.ControlBadRequest(caller.Uid, caller.Pid, $"no request within {ReadTimeout.TotalSeconds} s");
            return null;
        }

        // EOF without a newline is accepted (a client may shut its side down instead).
        return filled is > 0 and <= ControlProtocol.MaxRequestBytes ? Parse(buffer.AsSpan(0, filled)) : null;
    }

    private ControlRequest? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ControlJsonContext.Default.ControlRequest);
        }
        catch (JsonException ex)
        {
            logger.ControlBadRequest(caller.Uid, caller.Pid, $"not a request: {ex.Message}");
            return null;
        }
    }

    private static ControlResponse Bad(string error) => new() { Outcome = ControlOutcome.BadRequest, Error = error };

    private static async Task WriteAsync(Socket socket, ControlResponse response)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(response, ControlJsonContext.Default.ControlResponse);
        byte[] line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        try
        {
            using var timeout = new CancellationTokenSource(ReadTimeout);
            await socket.SendAsync(line, SocketFlags.None, timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left or stopped reading: nothing more to tell it.
        }
    }
}
