using System.Collections.Concurrent;
using Google.Protobuf;
using SessionManager.Icp;
using SessionManager.Icp.Framing;
using SessionManager.Icp.Protocol;
using SessionManager.Testing.BackendProtocol;

namespace SessionManager.Testing;

/// <summary>
/// Requests in flight at the same time, as the ogon RDS sends them (one thread per client
/// connection). <see cref="RequestAsync"/> takes the next response whatever its tag, so two
/// concurrent calls could swap answers; these match each response to its request by tag.
/// Once a tagged call was made, the responses belong to the matcher: do not mix with
/// <see cref="RequestAsync"/> or <see cref="ReadResponseAsync"/> on the same peer.
/// </summary>
public sealed partial class FakeRdsPeer
{
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<RPCBase>> _awaitingTag = new();
    private readonly ConcurrentQueue<RPCBase> _unmatched = new();
    private int _matcherStarted;

    /// <summary>Responses whose tag no tagged request was waiting for (a daemon bug if any).</summary>
    public IReadOnlyCollection<RPCBase> UnmatchedResponses => _unmatched;

    /// <summary>Sends an RDS→SM request and returns the response carrying its tag, whatever else is in flight.</summary>
    public async Task<RPCBase> RequestTaggedAsync(uint msgType, IMessage payload, TimeSpan? timeout = null)
    {
        StartMatcher();
        uint tag = NextTag();
        var answered = new TaskCompletionSource<RPCBase>(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaitingTag[tag] = answered;
        try
        {
            await SendAsync(RpcMessages.Request(tag, msgType, payload));
            return await answered.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        finally
        {
            _awaitingTag.TryRemove(tag, out _);
        }
    }

    /// <summary>
    /// <see cref="PlayOgonConnectionAsync(OgonClientConnection, string, TimeSpan?)"/> for one of
    /// many connections played at once on this peer (distinct connection ids).
    /// </summary>
    public Task<OgonConnectionResult> PlayOgonConnectionConcurrentlyAsync(
        OgonClientConnection client,
        string pipeDirectory = WinPrPipeName.DefaultDirectory,
        TimeSpan? backendTimeout = null,
        TimeSpan? requestTimeout = null) =>
        PlayOgonConnectionAsync(client, pipeDirectory, backendTimeout, (type, payload) => RequestTaggedAsync(type, payload, requestTimeout));

    private void StartMatcher()
    {
        if (Interlocked.Exchange(ref _matcherStarted, 1) == 0)
        {
            _ = Task.Run(MatchResponsesAsync);
        }
    }

    private async Task MatchResponsesAsync()
    {
        await foreach (var response in _responses.Reader.ReadAllAsync())
        {
            if (_awaitingTag.TryRemove(response.Tag, out var waiting))
            {
                waiting.TrySetResult(response);
            }
            else
            {
                _unmatched.Enqueue(response);
            }
        }

        // The connection closed: nobody will answer the calls still waiting.
        foreach (var waiting in _awaitingTag.Values)
        {
            waiting.TrySetException(new IOException("the daemon closed the ICP connection"));
        }
    }
}
