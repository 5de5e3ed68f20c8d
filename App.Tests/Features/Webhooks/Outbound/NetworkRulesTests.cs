using System.Net;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

public sealed class NetworkRulesTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("::1")]
    [InlineData("169.254.169.254")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::1")]
    public void IsPublic_NonPublicAddress_IsRefused(string address)
    {
        Assert.False(NetworkRules.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void IsPublic_PublicAddress_IsAllowed(string address)
    {
        Assert.True(NetworkRules.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("ftp://example.com/hook", "http and https")]
    [InlineData("https://user:pass@example.com/hook", "credentials")]
    [InlineData("not a url", "absolute URL")]
    [InlineData("http://127.0.0.1/hook", "loopback")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://2130706433/hook", "loopback")]
    [InlineData("http://0x7f000001/hook", "loopback")]
    [InlineData("http://169.254.169.254/latest/meta-data", "loopback")]
    public void Validate_BadUrl_ExplainsWhy(string url, string expected)
    {
        var error = WebhookUrls.Validate(url, allowPrivateNetworks: false, out _);
        Assert.NotNull(error);
        Assert.Contains(expected, error);
        if (expected == "loopback")
        {
            // A self-hosting admin testing against a local receiver learns which setting allows it.
            Assert.Contains("Webhooks:AllowPrivateNetworks", error);
        }
    }

    [Fact]
    public void Validate_PublicHttpsUrl_IsAccepted()
    {
        Assert.Null(WebhookUrls.Validate("https://hooks.example.com/undb?x=1", allowPrivateNetworks: false, out var uri));
        Assert.Equal("hooks.example.com", uri!.Host);
    }
}
