using SessionManager.FdsApi.Server;
using static SessionManager.UnitTests.Support.Bytes;

namespace SessionManager.UnitTests;

/// <summary>FDSAPI.md "Transport": a client's first bytes tell its transport and protocol apart.</summary>
public class WireFormatSnifferTests
{
    [Theory]
    [InlineData("80 01 00 01 00 00 00 04", ClientWireFormat.UnframedBinary)]
    [InlineData("80 01", ClientWireFormat.UnframedBinary)]
    [InlineData("82 21 00 04", ClientWireFormat.UnframedCompact)]
    [InlineData("82", ClientWireFormat.UnframedCompact)]
    [InlineData("00 00 00 1c 80 01 00 01", ClientWireFormat.FramedBinary)]
    [InlineData("00 00 00 1c 80", ClientWireFormat.FramedBinary)]
    [InlineData("00 00 00 1c 82", ClientWireFormat.FramedCompact)]
    [InlineData("00 01 00 00 82", ClientWireFormat.FramedCompact)]
    [InlineData("16 03 01 02 00", ClientWireFormat.Tls)]
    [InlineData("16 03", ClientWireFormat.Tls)]
    public void Thrift_and_tls_prefixes_are_recognised(string hex, ClientWireFormat expected)
    {
        Assert.Equal(expected, WireFormatSniffer.Sniff(Hex(hex)));
    }

    [Theory]
    [InlineData("POST / HTTP/1.1")]
    [InlineData("GET / HTTP/1.1")]
    [InlineData("PUT ")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS * HTTP/1.1")]
    public void Http_methods_are_recognised(string text)
    {
        Assert.Equal(ClientWireFormat.Http, WireFormatSniffer.Sniff(System.Text.Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("16")]
    [InlineData("00")]
    [InlineData("00 00 00")]
    [InlineData("00 00 00 1c")]
    [InlineData("50 4F 53")]   // "POS"
    [InlineData("47")]         // "G"
    public void Too_few_bytes_are_undecided(string hex)
    {
        Assert.Equal(ClientWireFormat.Undecided, WireFormatSniffer.Sniff(Hex(hex)));
    }

    [Theory]
    [InlineData("41 42 43 44 45")]          // "ABCDE"
    [InlineData("FF FF FF FF FF")]
    [InlineData("80 02 00 01")]             // binary protocol, wrong version
    [InlineData("16 02 00")]                // not a TLS record version
    [InlineData("00 00 00 1c 41")]          // a frame of something that is no Thrift protocol
    [InlineData("00 00 00 00 80")]          // a zero-length frame: nothing Thrift sends
    [InlineData("01 00 00 00 80")]          // a frame of 16 MiB or more
    [InlineData("50 55 4E 4B")]             // "PUNK": starts like an HTTP method, is none
    [InlineData("0A")]
    public void Other_bytes_are_unknown(string hex)
    {
        Assert.Equal(ClientWireFormat.Unknown, WireFormatSniffer.Sniff(Hex(hex)));
    }

    [Fact]
    public void No_prefix_needs_more_than_the_advertised_number_of_bytes()
    {
        var samples = new[] { "80 01 00 01 00", "82 21 00 04 00", "00 00 00 1c 80", "16 03 01 02 00", "504F535420", "0000000080", "4142434445" };

        foreach (var hex in samples)
        {
            var bytes = Hex(hex);
            Assert.Equal(WireFormatSniffer.MaxBytesNeeded, bytes.Length);
            Assert.NotEqual(ClientWireFormat.Undecided, WireFormatSniffer.Sniff(bytes));
        }
    }

    [Theory]
    [InlineData(ClientWireFormat.FramedBinary, true, true, false)]
    [InlineData(ClientWireFormat.FramedCompact, true, true, true)]
    [InlineData(ClientWireFormat.UnframedBinary, true, false, false)]
    [InlineData(ClientWireFormat.UnframedCompact, true, false, true)]
    [InlineData(ClientWireFormat.Tls, false, false, false)]
    [InlineData(ClientWireFormat.Http, false, false, false)]
    [InlineData(ClientWireFormat.Unknown, false, false, false)]
    public void Served_formats_map_to_their_transport_and_protocol(ClientWireFormat format, bool served, bool framed, bool compact)
    {
        Assert.Equal(served, format.IsServed());
        Assert.Equal(framed, format.IsFramed());
        Assert.Equal(compact, format.IsCompact());
    }
}
