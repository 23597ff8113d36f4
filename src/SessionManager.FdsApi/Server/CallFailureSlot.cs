using Thrift;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// Carries the cause of a failed call from the handler to <see cref="CauseRevealingProtocol"/>.
/// One per connection: Thrift processes a connection's calls one at a time.
/// </summary>
internal sealed class CallFailureSlot
{
    private TApplicationException? _failure;

    public void Set(TApplicationException failure) => _failure = failure;

    public TApplicationException? Take()
    {
        var failure = _failure;
        _failure = null;
        return failure;
    }
}
