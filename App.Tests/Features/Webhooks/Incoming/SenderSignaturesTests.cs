using System.Security.Cryptography;
using System.Text;
using Undb.Features.Webhooks.Incoming;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>Each scheme: the spec's or sender's documented example where one exists, then tampered, stale and missing.</summary>
public sealed class SenderSignaturesTests
{
    private static Func<string, string?> Headers(params (string Name, string Value)[] headers) =>
        name => headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static SignatureCheck Check(string scheme, string secret, Func<string, string?> headers, string body, DateTimeOffset now, string? header = null, string? encoding = null, string? prefix = null) =>
        SenderSignatures.Verify(new VerificationSettings(scheme, header, encoding, prefix), secret, headers, Encoding.UTF8.GetBytes(body), now);

    // The Standard Webhooks specification's test vector (the reference libraries test against it).
    private const string StdSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string StdId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long StdTimestamp = 1614265330;
    private const string StdBody = """{"test": 2432232314}""";
    private const string StdSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly DateTimeOffset StdNow = DateTimeOffset.FromUnixTimeSeconds(StdTimestamp);

    private static Func<string, string?> StdHeaders(string signature, long timestamp = StdTimestamp) =>
        Headers(("webhook-id", StdId), ("webhook-timestamp", timestamp.ToString()), ("webhook-signature", signature));

    [Fact]
    public void StandardWebhooks_SpecVector_Verifies_AlsoAmongSeveralSignatures_AndWithSvixHeaders()
    {
        Assert.True(Check(SenderSignatures.StandardWebhooks, StdSecret, StdHeaders(StdSignature), StdBody, StdNow).Ok);
        Assert.True(Check(SenderSignatures.StandardWebhooks, StdSecret, StdHeaders("v1,bm9wZQ== " + StdSignature), StdBody, StdNow.AddMinutes(4)).Ok);
        var svix = Headers(("svix-id", StdId), ("svix-timestamp", StdTimestamp.ToString()), ("svix-signature", StdSignature));
        Assert.True(Check(SenderSignatures.StandardWebhooks, StdSecret, svix, StdBody, StdNow).Ok);
    }

    [Fact]
    public void StandardWebhooks_Tampered_Stale_Missing_AreRefusedWithTheReason()
    {
        var tampered = Check(SenderSignatures.StandardWebhooks, StdSecret, StdHeaders(StdSignature), """{"test": 2432232315}""", StdNow);
        Assert.False(tampered.Ok);
        Assert.Contains("'webhook-signature' does not match", tampered.Problem);
        Assert.False(Check(SenderSignatures.StandardWebhooks, StdSecret, StdHeaders("v2," + StdSignature[3..]), StdBody, StdNow).Ok);

        var stale = Check(SenderSignatures.StandardWebhooks, StdSecret, StdHeaders(StdSignature), StdBody, StdNow.AddMinutes(6));
        Assert.False(stale.Ok);
        Assert.Contains("timestamp in 'webhook-timestamp' is 360 s old", stale.Problem);
        Assert.Contains("in the future", Check(SenderSignatures.StandardWebhooks, StdSecret, StdHeaders(StdSignature), StdBody, StdNow.AddMinutes(-6)).Problem);

        var missing = Check(SenderSignatures.StandardWebhooks, StdSecret, Headers(("webhook-id", StdId)), StdBody, StdNow);
        Assert.False(missing.Ok);
        Assert.Contains("'webhook-timestamp', 'webhook-signature'", missing.Problem);
    }

    // GitHub's documented example ("Validating webhook deliveries"): this secret and body give this signature.
    [Fact]
    public void GitHub_DocumentedExample_Verifies_TamperedAndMissingDoNot()
    {
        const string secret = "It's a Secret to Everybody";
        const string signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        var now = DateTimeOffset.UtcNow;
        Assert.True(Check(SenderSignatures.GitHub, secret, Headers(("X-Hub-Signature-256", signature)), "Hello, World!", now).Ok);
        var tampered = Check(SenderSignatures.GitHub, secret, Headers(("X-Hub-Signature-256", signature)), "Hello, World?", now);
        Assert.Contains("'X-Hub-Signature-256' does not match", tampered.Problem);
        Assert.Contains("Missing 'X-Hub-Signature-256'", Check(SenderSignatures.GitHub, secret, Headers(), "Hello, World!", now).Problem);
        Assert.False(Check(SenderSignatures.GitHub, secret, Headers(("X-Hub-Signature-256", signature[7..])), "Hello, World!", now).Ok);
    }

    /// <summary>HMAC-SHA256 as Stripe's docs describe it: over "{t}.{body}", keyed with the endpoint secret's UTF-8 bytes, hex.</summary>
    private static string StripeV1(string secret, long t, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}")));

    [Fact]
    public void Stripe_DocumentedHeaderShape_Verifies_WithSeveralV1_AndV0Ignored()
    {
        // Stripe's documented example header: t=1492774577 with a v1 and a v0 entry (here signed with a test secret).
        const string secret = "whsec_test_secret";
        const long t = 1492774577;
        const string body = """{"id":"evt_1","object":"event"}""";
        var now = DateTimeOffset.FromUnixTimeSeconds(t).AddSeconds(30);
        var v0 = "6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39";
        var header = $"t={t},v1={StripeV1(secret, t, body)},v0={v0}";
        Assert.True(Check(SenderSignatures.Stripe, secret, Headers(("Stripe-Signature", header)), body, now).Ok);
        // During a secret roll Stripe sends one v1 per secret.
        var rolled = $"t={t},v1={StripeV1("whsec_old", t, body)},v1={StripeV1(secret, t, body)}";
        Assert.True(Check(SenderSignatures.Stripe, secret, Headers(("Stripe-Signature", rolled)), body, now).Ok);
        // Only v0 (the test-mode scheme) is not enough.
        Assert.False(Check(SenderSignatures.Stripe, secret, Headers(("Stripe-Signature", $"t={t},v0={StripeV1(secret, t, body)}")), body, now).Ok);
    }

    [Fact]
    public void Stripe_Tampered_Stale_Missing_AreRefused()
    {
        const string secret = "whsec_test_secret";
        var now = DateTimeOffset.UtcNow;
        var t = now.ToUnixTimeSeconds();
        var header = Headers(("Stripe-Signature", $"t={t},v1={StripeV1(secret, t, "{}")}"));
        Assert.Contains("'Stripe-Signature' does not match", Check(SenderSignatures.Stripe, secret, header, "{ }", now).Problem);
        Assert.Contains("timestamp in 'Stripe-Signature' is 301 s old", Check(SenderSignatures.Stripe, secret, header, "{}", now.AddSeconds(301)).Problem);
        Assert.Contains("Missing 'Stripe-Signature'", Check(SenderSignatures.Stripe, secret, Headers(), "{}", now).Problem);
    }

    [Fact]
    public void Shopify_Base64OfBody_Verifies_TamperedAndMissingDoNot()
    {
        const string secret = "shpss_0123456789";
        const string body = """{"id":820982911946154508,"email":"jon@example.com"}""";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));
        var now = DateTimeOffset.UtcNow;
        Assert.True(Check(SenderSignatures.Shopify, secret, Headers(("X-Shopify-Hmac-Sha256", signature)), body, now).Ok);
        Assert.Contains("'X-Shopify-Hmac-Sha256' does not match", Check(SenderSignatures.Shopify, secret, Headers(("X-Shopify-Hmac-Sha256", signature)), body + " ", now).Problem);
        Assert.Contains("Missing 'X-Shopify-Hmac-Sha256'", Check(SenderSignatures.Shopify, secret, Headers(), body, now).Problem);
    }

    [Fact]
    public void Hmac_HeaderEncodingAndPrefix_AreConfigurable()
    {
        const string secret = "s3cret";
        const string body = "a=1&b=2";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body));
        var now = DateTimeOffset.UtcNow;
        Assert.True(Check(SenderSignatures.Hmac, secret, Headers(("X-Signature", "sha256=" + Convert.ToHexString(mac))), body, now, "X-Signature", "hex", "sha256=").Ok);
        Assert.True(Check(SenderSignatures.Hmac, secret, Headers(("X-Sig", Convert.ToBase64String(mac))), body, now, "X-Sig", "base64").Ok);
        Assert.Contains("does not start with 'sha256='", Check(SenderSignatures.Hmac, secret, Headers(("X-Signature", Convert.ToHexString(mac))), body, now, "X-Signature", null, "sha256=").Problem);
        Assert.Contains("'X-Sig' does not match", Check(SenderSignatures.Hmac, "other", Headers(("X-Sig", Convert.ToBase64String(mac))), body, now, "X-Sig", "base64").Problem);
        Assert.Contains("Missing 'X-Sig'", Check(SenderSignatures.Hmac, secret, Headers(), body, now, "X-Sig").Problem);
    }

    [Theory]
    [InlineData("svix", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null, "not a verification scheme")]
    [InlineData("standardWebhooks", "whsec_not base64!", null, "'whsec_' followed by base64")]
    [InlineData("hmac", "secret", null, "Name the header")]
    [InlineData("hmac", "secret", "Bad Header", "Name the header")]
    public void Validate_ExplainsWhatIsWrong(string scheme, string secret, string? header, string expected) =>
        Assert.Contains(expected, SenderSignatures.Validate(new VerificationSettings(scheme, header), secret));

    [Fact]
    public void Mask_KeepsThePrefixAndTheEnds_Only()
    {
        Assert.Equal("whsec_MfKQ…LaSw", SenderSignatures.Mask(StdSecret));
        Assert.Equal("It's…body", SenderSignatures.Mask("It's a Secret to Everybody"));
        Assert.Equal("••••", SenderSignatures.Mask("short"));
    }
}
