using System.Security.Cryptography;
using System.Text;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

public sealed class WebhookSignerTests
{
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private const string SpecBody = "{\"test\": 2432232314}";

    [Fact]
    public void Sign_StandardWebhooksSpecVector_MatchesExpectedSignature()
    {
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookSigner.Sign(SpecSecret, SpecId, SpecTimestamp, SpecBody));
    }

    [Fact]
    public void Verify_SpecVector_AcceptsRightAndRejectsTamperedBody()
    {
        var header = WebhookSigner.Sign(SpecSecret, SpecId, SpecTimestamp, SpecBody);
        Assert.True(WebhookSigner.Verify(SpecSecret, SpecId, SpecTimestamp, SpecBody, header));
        Assert.False(WebhookSigner.Verify(SpecSecret, SpecId, SpecTimestamp, SpecBody.Replace('2', '3'), header));
        Assert.False(WebhookSigner.Verify(SpecSecret, SpecId, SpecTimestamp + 1, SpecBody, header));
    }

    [Fact]
    public void GitHubStyle_IsHexHmacOfBodyWithDecodedKey()
    {
        var key = Convert.FromBase64String("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(SpecBody)));
        Assert.Equal(expected, WebhookSigner.GitHubStyle(SpecSecret, SpecBody));
    }

    [Fact]
    public void SignatureHeader_DuringRotation_ListsBothSignaturesSpaceSeparated()
    {
        var fresh = WebhookSigner.NewSecret();
        var header = WebhookSigner.SignatureHeader([fresh, SpecSecret], SpecId, SpecTimestamp, SpecBody);
        var parts = header.Split(' ');
        Assert.Equal(2, parts.Length);
        Assert.Equal(WebhookSigner.Sign(fresh, SpecId, SpecTimestamp, SpecBody), parts[0]);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", parts[1]);
        Assert.True(WebhookSigner.Verify(SpecSecret, SpecId, SpecTimestamp, SpecBody, header));
        Assert.True(WebhookSigner.Verify(fresh, SpecId, SpecTimestamp, SpecBody, header));
    }

    [Fact]
    public void NewSecret_IsWhsecWithValidKeyLength_AndUnique()
    {
        var a = WebhookSigner.NewSecret();
        var b = WebhookSigner.NewSecret();
        Assert.True(WebhookSigner.IsValidSecret(a));
        Assert.StartsWith("whsec_", a);
        Assert.InRange(WebhookSigner.KeyOf(a).Length, 24, 64);
        Assert.NotEqual(a, b);
        Assert.True(WebhookSigner.IsValidSecret(SpecSecret));
        Assert.False(WebhookSigner.IsValidSecret("whsec_c2hvcnQ="));
    }
}
