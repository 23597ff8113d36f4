using SessionManager.Icp.Link;

namespace SessionManager.Icp.Hosting;

/// <summary>The read loop of the RDS connection in use, if any (none connected: nothing to hang).</summary>
internal sealed class IcpReaderProbe(RdsLink link) : ILivenessProbe
{
    private LoopActivity? _posted;

    public string Name => "ICP read loop";

    public void Post()
    {
        _posted = link.Holder?.ReadActivity;
        _posted?.Post();
    }

    // A connection that replaced the probed one is judged at the next round.
    public bool Answered => _posted is not { } posted || link.Holder?.ReadActivity != posted || posted.Answered;
}
