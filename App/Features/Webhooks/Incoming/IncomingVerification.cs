using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>What the API and the UI show of a webhook's verification: never the secret, only its mask.</summary>
public sealed record VerificationView(string Scheme, string SecretMasked, string? Header, string? Encoding, string? Prefix)
{
    public VerificationSettings Settings => new(Scheme, Header, Encoding, Prefix);
}

/// <summary>
/// What a caller asks for: a scheme (<c>none</c> or null turns verification off) and a secret (omitted: keep the
/// current one, or issue one where this app may choose it).
/// </summary>
public sealed record VerificationInput(string? Scheme, string? Secret = null, string? Header = null, string? Encoding = null, string? Prefix = null)
{
    public const string None = "none";

    public bool TurnsOff => string.IsNullOrWhiteSpace(Scheme) || Scheme == None;
}

/// <summary>The stored form (the <c>Verification</c> column, JSON): the secret encrypted with Data Protection, and its mask.</summary>
internal sealed record StoredVerification(
    string Scheme, string SecretProtected, string SecretMasked, string? Header = null, string? Encoding = null, string? Prefix = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    // Keyed by the stored string (a cached webhook keeps it), so requests do not parse it again.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, StoredVerification> Parsed = new();

    public VerificationSettings Settings => new(Scheme, Header, Encoding, Prefix);

    public VerificationView ToView() => new(Scheme, SecretMasked, Header, Encoding, Prefix);

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static StoredVerification? Parse(string? stored) =>
        string.IsNullOrWhiteSpace(stored) ? null : Parsed.GetValue(stored, s => JsonSerializer.Deserialize<StoredVerification>(s, Json)!);
}

/// <summary>Encrypts incoming webhooks' verification secrets at rest (the pattern of outbound signing secrets) and reads them back.</summary>
public sealed class IncomingVerificationSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Undb.Webhooks.Incoming.VerificationSecret.v1");

    // Decrypting costs more than the HMAC; every signed request needs its secret. Keyed by the ciphertext.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _plain = new();
    private const int MaxCached = 1024;

    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>The plain secret, or null when the Data Protection keys that encrypted it are gone.</summary>
    public string? TryUnprotect(string protectedSecret)
    {
        if (_plain.TryGetValue(protectedSecret, out var cached))
        {
            return cached;
        }
        try
        {
            var plain = _protector.Unprotect(protectedSecret);
            if (_plain.Count >= MaxCached)
            {
                _plain.Clear();
            }
            _plain[protectedSecret] = plain;
            return plain;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
