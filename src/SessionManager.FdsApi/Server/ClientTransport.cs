using Thrift;
using Thrift.Transport.Client;

namespace SessionManager.FdsApi.Server;

/// <summary>
/// Thrift's stream transport over a <see cref="ClientStream"/>, which also hears of every field
/// the protocol is about to size a buffer for (<see cref="CheckReadBytesAvailable"/> is called
/// before a string, binary or container is allocated), so that no field escapes the budget.
/// </summary>
internal sealed class ClientTransport(ClientStream stream, TConfiguration config) : TStreamTransport(stream, stream, config)
{
    public override void CheckReadBytesAvailable(long numBytes)
    {
        base.CheckReadBytesAvailable(numBytes);
        stream.AdmitField(numBytes);
    }
}
