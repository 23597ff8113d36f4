using Microsoft.Extensions.Configuration;

namespace SessionManager.Sessions.Handlers;

/// <summary><c>VirtualChannels:Allowed</c> and <c>VirtualChannels:Denied</c>, as IsChannelAllowed answers them.</summary>
public sealed class ChannelLists
{
    private readonly HashSet<string> _allowed;
    private readonly HashSet<string> _denied;

    private ChannelLists(HashSet<string> allowed, HashSet<string> denied)
    {
        _allowed = allowed;
        _denied = denied;
    }

    public static ChannelLists Read(IConfiguration configuration) => new(
        [.. configuration.GetSection("VirtualChannels:Allowed").GetChildren().Select(c => c.Value ?? "")],
        [.. configuration.GetSection("VirtualChannels:Denied").GetChildren().Select(c => c.Value ?? "")]);

    /// <summary>Denied wins; when Allowed is set, only those.</summary>
    public bool Allows(string channel) => !_denied.Contains(channel) && (_allowed.Count == 0 || _allowed.Contains(channel));
}
