using Thrift;
using Thrift.Protocol;
using Thrift.Protocol.Entities;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// The generated (0.17) process functions answer any handler exception with
/// <c>TApplicationException(InternalError, " Internal error.")</c>, dropping the cause that
/// FDSAPI.md promises the client. This output-protocol decorator sits between the generated
/// processor and the wire: when the processor starts an exception reply and the handler has
/// recorded the real failure in the <see cref="CallFailureSlot"/>, it writes that failure instead
/// and swallows the generic one. Replies that are not failures pass through untouched.
/// </summary>
internal sealed class CauseRevealingProtocol : TProtocolDecorator
{
    private readonly TProtocol _wire;
    private readonly CallFailureSlot _failures;
    private bool _swallowing;

    public CauseRevealingProtocol(TProtocol wire, CallFailureSlot failures)
        : base(wire)
    {
        _wire = wire;
        _failures = failures;
    }

    public override async Task WriteMessageBeginAsync(TMessage message, CancellationToken cancellationToken)
    {
        await base.WriteMessageBeginAsync(message, cancellationToken);

        // Taken on every message, so a recorded failure can only ever describe the reply it
        // was recorded for, never a later one.
        var failure = _failures.Take();
        if (message.Type == TMessageType.Exception && failure is not null)
        {
            // Never cancelled: at shutdown this is the "shutting down" answer itself.
            await failure.WriteAsync(_wire, CancellationToken.None);
            _swallowing = true;
        }
    }

    public override Task WriteMessageEndAsync(CancellationToken cancellationToken)
    {
        _swallowing = false;
        return base.WriteMessageEndAsync(cancellationToken);
    }

    public override Task WriteStructBeginAsync(TStruct @struct, CancellationToken cancellationToken) =>
        _swallowing ? Task.CompletedTask : base.WriteStructBeginAsync(@struct, cancellationToken);

    public override Task WriteStructEndAsync(CancellationToken cancellationToken) =>
        _swallowing ? Task.CompletedTask : base.WriteStructEndAsync(cancellationToken);

    public override Task WriteFieldBeginAsync(TField field, CancellationToken cancellationToken) =>
        _swallowing ? Task.CompletedTask : base.WriteFieldBeginAsync(field, cancellationToken);

    public override Task WriteFieldEndAsync(CancellationToken cancellationToken) =>
        _swallowing ? Task.CompletedTask : base.WriteFieldEndAsync(cancellationToken);

    public override Task WriteFieldStopAsync(CancellationToken cancellationToken) =>
        _swallowing ? Task.CompletedTask : base.WriteFieldStopAsync(cancellationToken);

    public override Task WriteStringAsync(string s, CancellationToken cancellationToken) =>
        _swallowing ? Task.CompletedTask : base.WriteStringAsync(s, cancellationToken);

    public override Task WriteI32Async(int i32, CancellationToken cancellationToken) =>
        _swallowing ? Task.CompletedTask : base.WriteI32Async(i32, cancellationToken);
}
