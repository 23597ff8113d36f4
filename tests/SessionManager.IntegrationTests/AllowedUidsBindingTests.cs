using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionManager.Hosting;
using SessionManager.Icp;

namespace SessionManager.IntegrationTests;

/// <summary>How Icp:AllowedUids binds from appsettings.json: absent (root only), a list, an empty list (anyone).</summary>
public sealed class AllowedUidsBindingTests
{
    [Theory]
    [InlineData("{}", new uint[] { 0 })]
    [InlineData("""{"Icp":{"AllowedUids":[0, 1000]}}""", new uint[] { 0, 1000 })]
    [InlineData("""{"Icp":{"AllowedUids":[]}}""", new uint[0])]
    [InlineData("""{"Icp":{"AllowedUids":"*"}}""", new uint[0])]
    public void Allowed_uids_bind_as_documented(string json, uint[] expected)
    {
        var builder = SessionManagerHost.CreateBuilder(["--Log:Console=false"]);
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<IcpOptions>>().Value;

        Assert.Equal(expected, options.EffectiveAllowedUids);
    }
}
