using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Encrypts signing secrets at rest with Data Protection and decides which secrets currently sign.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Undb.Webhooks.Outbound.Secret.v1");

    // Decrypting costs more than signing; every delivery needs its webhook's secret. Keyed by the ciphertext, so a
    // rotated secret is a new entry; kept small (a few per webhook) by starting over when it grows past the cap.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _plain = new();
    private const int MaxCached = 1024;

    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>The plain secret; throws <see cref="SecretUnreadableException"/> when the Data Protection key ring no longer has its key.</summary>
    public string Unprotect(string protectedSecret)
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
        catch (CryptographicException ex)
        {
            throw new SecretUnreadableException(ex);
        }
    }

    /// <summary>The masked secret for display, or a hint when it cannot be read.</summary>
    public string MaskedOrHint(string protectedSecret)
    {
        try
        {
            return Mask(Unprotect(protectedSecret));
        }
        catch (SecretUnreadableException)
        {
            return WebhookSigner.SecretPrefix + "… (unreadable; rotate the secret)";
        }
    }

    /// <summary>The current secret, then the previous one while it is still within its grace period.</summary>
    public IReadOnlyList<string> SigningSecrets(WebhookEntity webhook, DateTimeOffset now)
    {
        var secrets = new List<string>(2) { Unprotect(webhook.SecretProtected) };
        if (webhook.PreviousSecretProtected is not null && webhook.PreviousSecretExpiresAt > now)
        {
            secrets.Add(Unprotect(webhook.PreviousSecretProtected));
        }
        return secrets;
    }

    /// <summary><c>whsec_abcd…wxyz</c>: enough to tell secrets apart, useless to an attacker.</summary>
    public static string Mask(string secret) =>
        secret.Length <= WebhookSigner.SecretPrefix.Length + 8
            ? WebhookSigner.SecretPrefix + "…"
            : string.Concat(secret.AsSpan(0, WebhookSigner.SecretPrefix.Length + 4), "…", secret.AsSpan(secret.Length - 4));
}

/// <summary>A stored secret cannot be decrypted: the Data Protection keys (DataProtection:KeysPath) were lost or replaced.</summary>
public sealed class SecretUnreadableException(Exception inner)
    : Exception("The webhook's signing secret cannot be decrypted: the Data Protection keys (DataProtection:KeysPath) are missing or were replaced. Rotate the secret to set a new one.", inner);
