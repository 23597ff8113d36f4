using System.Net.Sockets;
using System.Text.Json;
using SessionManager.Control.Protocol;

namespace SessionManager.Ctl;

/// <summary>One request to the daemon: connect, one JSON line out, one JSON line back.</summary>
internal static class ControlClient
{
    /// <summary>Longer than the daemon's own wait for a logoff (30 s).</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(60);

    /// <exception cref="CtlException">the daemon could not be asked; the exit code says why.</exception>
    public static async Task<ControlResponse> AskAsync(string socketPath, ControlRequest request, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AnswerTimeout);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused or SocketError.AddressFamilyNotSupported
                                             || ex.SocketErrorCode == SocketError.SocketError && !File.Exists(socketPath))
        {
            string why = File.Exists(socketPath) ? "connection refused" : "no such socket";
            throw new CtlException(ExitCodes.NotRunning, $"the session manager is not running ({socketPath}: {why})");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new CtlException(ExitCodes.PermissionDenied, $"permission denied: cannot connect to {socketPath}");
        }
        catch (SocketException ex)
        {
            throw new CtlException(ExitCodes.NotRunning, $"cannot connect to the session manager at {socketPath}: {ex.Message}");
        }

        try
        {
            byte[] line = [.. JsonSerializer.SerializeToUtf8Bytes(request, ControlJsonContext.Default.ControlRequest), (byte)'\n'];
            await socket.SendAsync(line, SocketFlags.None, timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
            return Parse(await ReadAllAsync(socket, timeout.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CtlException(ExitCodes.Failed, $"the session manager did not answer within {AnswerTimeout.TotalSeconds} s");
        }
        catch (SocketException ex)
        {
            throw new CtlException(ExitCodes.Failed, $"the session manager closed the connection: {ex.Message}");
        }
    }

    private static async Task<byte[]> ReadAllAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var answer = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            if (answer.Length + read > ControlProtocol.MaxResponseBytes)
            {
                throw new CtlException(ExitCodes.Failed, "the session manager's answer is too large");
            }

            answer.Write(buffer, 0, read);
        }

        return answer.ToArray();
    }

    private static ControlResponse Parse(byte[] answer)
    {
        if (answer.Length == 0)
        {
            throw new CtlException(ExitCodes.Failed, "the session manager closed the connection without an answer");
        }

        try
        {
            return JsonSerializer.Deserialize(answer.AsSpan().TrimEnd((byte)'\n'), ControlJsonContext.Default.ControlResponse)
                ?? throw new CtlException(ExitCodes.Failed, "the session manager's answer is empty");
        }
        catch (JsonException ex)
        {
            throw new CtlException(ExitCodes.Failed, $"the session manager's answer is not understood: {ex.Message}");
        }
    }
}

/// <summary>smctl cannot go on: <see cref="Exception.Message"/> is the one line printed, <see cref="ExitCode"/> the status.</summary>
internal sealed class CtlException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
