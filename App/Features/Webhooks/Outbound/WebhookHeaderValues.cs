using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Custom header values are the receiver's credentials (<c>Authorization: Bearer …</c>, API keys), so every value is
/// kept encrypted with Data Protection, like the signing secret, and shown as <see cref="Mask"/>: telling which custom
/// header holds a credential by its name would miss <c>X-Shop-Access</c> and the like, and a value is one click away
/// (<c>GET /api/webhooks/{id}/headers</c>, the reveal button). A stored value is <see cref="Prefix"/> and the
/// ciphertext; one without the prefix was saved by an earlier version in plain text, is read as it is, and is
/// encrypted at start-up (<see cref="ProtectStoredAsync"/>).
/// </summary>
public sealed class WebhookHeaderValues(IDataProtectionProvider provider, DataWriter writer, ILogger<WebhookHeaderValues> logger)
{
    /// <summary>What the API and the UI show for every custom header value; sent back on a change, it keeps the saved value.</summary>
    public const string Mask = "********";

    public const string Prefix = "dp1:";

    private readonly IDataProtector _protector = provider.CreateProtector("Undb.Webhooks.Outbound.HeaderValue.v1");

    // Every send needs the plain values; decrypting costs more than the send's own signing. Keyed by ciphertext, so a
    // changed value is a new entry; started over when it grows past the cap.
    private readonly ConcurrentDictionary<string, string> _plain = new(StringComparer.Ordinal);
    private const int MaxCached = 4096;

    public Dictionary<string, string> Protect(IReadOnlyDictionary<string, string> plain) =>
        plain.ToDictionary(h => h.Key, h => Prefix + _protector.Protect(h.Value), StringComparer.OrdinalIgnoreCase);

    /// <summary>The plain values; throws <see cref="HeaderValuesUnreadableException"/> when the Data Protection keys that encrypted one are gone.</summary>
    public Dictionary<string, string> Reveal(IReadOnlyDictionary<string, string> stored) =>
        stored.ToDictionary(h => h.Key, h => Unprotect(h.Value), StringComparer.OrdinalIgnoreCase);

    public static Dictionary<string, string> Masked(IReadOnlyDictionary<string, string> stored) =>
        stored.ToDictionary(h => h.Key, _ => Mask, StringComparer.OrdinalIgnoreCase);

    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// The headers a caller asked for, with every value that is still the mask replaced by the saved value of that
    /// header (read from <paramref name="savedPlain"/>); a mask with nothing saved under its name is an error.
    /// </summary>
    public static Dictionary<string, string> KeepMasked(
        IReadOnlyDictionary<string, string> requested, IReadOnlyDictionary<string, string> savedPlain, Dictionary<string, string[]> errors)
    {
        var saved = new Dictionary<string, string>(savedPlain, StringComparer.OrdinalIgnoreCase);
        var result = new Dictionary<string, string>(requested.Count);
        foreach (var (name, value) in requested)
        {
            if (value?.Trim() != Mask)
            {
                result[name] = value!;
            }
            else if (saved.TryGetValue(name.Trim(), out var kept))
            {
                result[name] = kept;
            }
            else
            {
                errors[$"headers.{name.Trim()}"] = [$"'{name.Trim()}' has no saved value to keep; enter its value."];
            }
        }
        return result;
    }

    private string Unprotect(string stored)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }
        if (_plain.TryGetValue(stored, out var cached))
        {
            return cached;
        }
        try
        {
            var plain = _protector.Unprotect(stored[Prefix.Length..]);
            if (_plain.Count >= MaxCached)
            {
                _plain.Clear();
            }
            _plain[stored] = plain;
            return plain;
        }
        catch (CryptographicException ex)
        {
            throw new HeaderValuesUnreadableException(ex);
        }
    }

    /// <summary>Encrypts the values an earlier version saved in plain text; at start-up, before anything is served. Returns how many webhooks it changed.</summary>
    public async Task<int> ProtectStoredAsync(CancellationToken ct)
    {
        var changed = await writer.WriteAsync(async session =>
        {
            // Webhooks are few (a handful per table); their headers are a JSON column, so the check is made here.
            var webhooks = await session.Db.Webhooks.ForUpdate().ToListAsync(ct);
            var changed = 0;
            foreach (var webhook in webhooks.Where(w => w.Headers.Values.Any(v => !IsProtected(v))))
            {
                webhook.Headers = webhook.Headers.ToDictionary(h => h.Key, h => IsProtected(h.Value) ? h.Value : Prefix + _protector.Protect(h.Value));
                changed++;
            }
            if (changed > 0)
            {
                WebhookSettings.Changed(session);
            }
            return changed;
        }, ct);
        if (changed > 0)
        {
            logger.LogInformation("Encrypted the custom header values of {Count} webhooks saved by an earlier version", changed);
        }
        return changed;
    }
}

/// <summary>A stored header value cannot be decrypted: the Data Protection keys (DataProtection:KeysPath) were lost or replaced.</summary>
public sealed class HeaderValuesUnreadableException(Exception inner)
    : Exception("The webhook's custom header values cannot be decrypted: the Data Protection keys (DataProtection:KeysPath) are missing or were replaced. Enter the header values again.", inner);

/// <summary>Runs <see cref="WebhookHeaderValues.ProtectStoredAsync"/> once at start-up (hosted services start before the server listens).</summary>
internal sealed class ProtectStoredHeaderValues(WebhookHeaderValues values) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => values.ProtectStoredAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
