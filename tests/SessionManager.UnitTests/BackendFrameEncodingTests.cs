using SessionManager.Testing.BackendProtocol;
using SessionManager.UnitTests.Support;

namespace SessionManager.UnitTests;

/// <summary>The test-side coding of the backend protocol against the bytes SESSIONS.md §3.4 gives.</summary>
public sealed class BackendFrameEncodingTests
{
    [Fact]
    public void VERSION_with_cookie_ABC_is_the_spec_example_byte_for_byte()
    {
        var frame = new BackendFrame(BackendMessageTypes.Version, new BackendVersion(1, 1, "ABC").Encode());
        Assert.Equal("140009000000080110011A03414243", Bytes.ToHex(frame.ToBytes()));
    }

    [Fact]
    public void A_header_is_little_endian_and_a_huge_length_is_refused_before_reading_on()
    {
        Assert.Equal(((ushort)7, 0x0102), BackendFrame.ReadHeader(Bytes.Hex("0700 02010000")));
        var ex = Assert.Throws<InvalidDataException>(() => BackendFrame.ReadHeader(Bytes.Hex("0100 ffffffff")));
        Assert.Contains("4294967295", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Capabilities_carry_every_field_in_order_with_the_size_as_varints()
    {
        var bytes = BackendCapabilities.LikeOgon(1024, 768, 5).Encode();
        // 1:0, 2:1024, 3:768, 4:0, 5:0x409, 6:4, 7:0, 8:5
        Assert.Equal("08001080081880062000288908300438004005", Bytes.ToHex(bytes));
        Assert.Equal(new BackendCapabilities(0, 1024, 768, 0, 0x409, 4, 0, 5), BackendCapabilities.Decode(bytes));
    }

    [Fact]
    public void Framebuffer_info_decodes_what_it_encodes_and_skips_unknown_fields()
    {
        var info = new FramebufferInfo(0, 1920, 1080, 7680, 32, 4, 1000, 1);
        Assert.Equal(info, FramebufferInfo.Decode(info.Encode()));

        // field 9 (varint) and field 10 (length-delimited) from a newer peer are skipped
        var extended = info.Encode().Concat(Bytes.Hex("4801 5202 aabb")).ToArray();
        Assert.Equal(info, FramebufferInfo.Decode(extended));
    }

    [Fact]
    public void A_version_reply_without_a_cookie_decodes_to_a_null_cookie()
    {
        Assert.Equal(new BackendVersion(1, 0, null), BackendVersion.Decode(Bytes.Hex("0801 1000")));
        Assert.Equal(new BackendVersion(1, 1, null), BackendVersion.Decode(new BackendVersion(1, 1, null).Encode()));
    }

    [Fact]
    public void A_size_field_sent_as_a_string_is_malformed_not_zero()
    {
        // field 2 with wire type 2 ("12" = tag 2/LEN) where a varint must be
        Assert.Throws<InvalidDataException>(() => FramebufferInfo.Decode(Bytes.Hex("1202 0102")));
    }
}
