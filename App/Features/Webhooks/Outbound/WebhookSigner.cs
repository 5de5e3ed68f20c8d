using System.Security.Cryptography;
using System.Text;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Signatures per the Standard Webhooks spec (<c>v1,&lt;base64 HMAC-SHA256&gt;</c> over <c>{id}.{timestamp}.{body}</c>)
/// and GitHub style (<c>sha256=&lt;hex HMAC-SHA256&gt;</c> over the body).
/// </summary>
public static class WebhookSigner
{
    public const string SecretPrefix = "whsec_";
    public const int SecretBytes = 32;

    /// <summary>A new secret: <c>whsec_</c> + base64 of 32 random bytes (the spec allows 24 to 64).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The HMAC key: the base64-decoded part after <c>whsec_</c>.</summary>
    public static byte[] KeyOf(string secret)
    {
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        return Convert.FromBase64String(encoded);
    }

    public static bool IsValidSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var buffer = new byte[secret.Length];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], buffer, out var n) && n is >= 24 and <= 64;
    }

    /// <summary>The value of one <c>webhook-signature</c> entry.</summary>
    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), content));
    }

    /// <summary>The <c>webhook-signature</c> header: one entry per valid secret, space-separated (during rotation).</summary>
    public static string SignatureHeader(IEnumerable<string> secrets, string messageId, long timestamp, string body) =>
        string.Join(' ', secrets.Select(s => Sign(s, messageId, timestamp, body)));

    /// <summary>The <c>X-Undb-Signature</c> value: <c>sha256=&lt;hex HMAC-SHA256(secret, body)&gt;</c>.</summary>
    public static string GitHubStyle(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(KeyOf(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>Receiver-side check of a <c>webhook-signature</c> header against one secret (constant time).</summary>
    public static bool Verify(string secret, string messageId, long timestamp, string body, string signatureHeader)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(secret, messageId, timestamp, body));
        return signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }
}
