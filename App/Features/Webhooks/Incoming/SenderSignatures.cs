using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>How an incoming webhook checks a sender's signature (the secret is kept apart, encrypted).</summary>
/// <param name="Scheme">One of <see cref="SenderSignatures.Schemes"/>.</param>
/// <param name="Header">For <c>hmac</c>: the header that carries the signature.</param>
/// <param name="Encoding">For <c>hmac</c>: <c>hex</c> (default) or <c>base64</c>.</param>
/// <param name="Prefix">For <c>hmac</c>: text before the signature (<c>sha256=</c>), optional.</param>
public sealed record VerificationSettings(string Scheme, string? Header = null, string? Encoding = null, string? Prefix = null);

/// <summary>The outcome of checking a signature: <see cref="Problem"/> says why it failed, naming the header.</summary>
public sealed record SignatureCheck(bool Ok, string? Problem)
{
    public static readonly SignatureCheck Valid = new(true, null);

    public static SignatureCheck Fail(string problem) => new(false, problem);
}

/// <summary>
/// Verifies the signatures real senders put on their requests, always over the exact bytes received: Standard
/// Webhooks (and Svix), GitHub, Stripe, Shopify, and a configurable HMAC-SHA256 for the rest. Pure; constant-time compares.
/// </summary>
public static class SenderSignatures
{
    public const string StandardWebhooks = "standardWebhooks";
    public const string GitHub = "github";
    public const string Stripe = "stripe";
    public const string Shopify = "shopify";
    public const string Hmac = "hmac";

    public static readonly IReadOnlyList<string> Schemes = [StandardWebhooks, GitHub, Stripe, Shopify, Hmac];

    /// <summary>How far a signed timestamp may be from the server's clock (Standard Webhooks and Stripe), either way.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public const string StandardSecretPrefix = "whsec_";

    /// <summary>A short description of what the sender must send, for messages and the UI.</summary>
    public static string Expected(VerificationSettings settings) => settings.Scheme switch
    {
        StandardWebhooks => "a Standard Webhooks signature in 'webhook-signature' (with 'webhook-id' and 'webhook-timestamp')",
        GitHub => "a GitHub signature in 'X-Hub-Signature-256' (sha256=<hex>)",
        Stripe => "a Stripe signature in 'Stripe-Signature' (t=…,v1=…)",
        Shopify => "a Shopify signature in 'X-Shopify-Hmac-Sha256' (base64)",
        _ => $"an HMAC-SHA256 signature in '{settings.Header}' ({(settings.Prefix is { Length: > 0 } p ? p : "")}<{EncodingOf(settings)}>)",
    };

    /// <summary>What is wrong with a scheme, its settings and secret; null when they can verify.</summary>
    public static string? Validate(VerificationSettings settings, string secret)
    {
        if (!Schemes.Contains(settings.Scheme))
        {
            return $"'{settings.Scheme}' is not a verification scheme; use one of {string.Join(", ", Schemes)} (or 'none').";
        }
        if (string.IsNullOrWhiteSpace(secret))
        {
            return "The secret is empty.";
        }
        if (secret.Length > 1000)
        {
            return "The secret is longer than 1,000 characters.";
        }
        if (settings.Scheme == StandardWebhooks && StandardKey(secret) is null)
        {
            return "A Standard Webhooks secret is 'whsec_' followed by base64 (as the sender shows it).";
        }
        if (settings.Scheme == Hmac)
        {
            if (string.IsNullOrWhiteSpace(settings.Header) || !IsToken(settings.Header))
            {
                return "Name the header that carries the signature (for example 'X-Signature').";
            }
            if (settings.Encoding is not (null or "hex" or "base64"))
            {
                return $"The encoding '{settings.Encoding}' is not 'hex' or 'base64'.";
            }
        }
        return null;
    }

    /// <summary>Checks the request's signature over <paramref name="body"/> (the bytes as received) with <paramref name="secret"/>.</summary>
    public static SignatureCheck Verify(VerificationSettings settings, string secret, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        settings.Scheme switch
        {
            StandardWebhooks => VerifyStandard(secret, header, body, now),
            GitHub => VerifyPlain(Encoding.UTF8.GetBytes(secret), "X-Hub-Signature-256", "sha256=", hex: true, header, body),
            Stripe => VerifyStripe(secret, header, body, now),
            Shopify => VerifyPlain(Encoding.UTF8.GetBytes(secret), "X-Shopify-Hmac-Sha256", null, hex: false, header, body),
            Hmac => VerifyPlain(Encoding.UTF8.GetBytes(secret), settings.Header!, settings.Prefix, EncodingOf(settings) == "hex", header, body),
            _ => SignatureCheck.Fail($"The verification scheme '{settings.Scheme}' is unknown."),
        };

    /// <summary>A fresh secret for schemes where this app may choose it (the sender is then told it); null where the sender issues it.</summary>
    public static string? NewSecret(string scheme) => scheme switch
    {
        StandardWebhooks => Outbound.WebhookSigner.NewSecret(),
        GitHub or Hmac => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
        _ => null,
    };

    /// <summary><c>whsec_abcd…wxyz</c> / <c>abcd…wxyz</c>: enough to tell secrets apart, useless to an attacker.</summary>
    public static string Mask(string secret)
    {
        var prefix = secret.StartsWith(StandardSecretPrefix, StringComparison.Ordinal) ? StandardSecretPrefix.Length : 0;
        return secret.Length < prefix + 12
            ? secret[..prefix] + "••••"
            : string.Concat(secret.AsSpan(0, prefix + 4), "…", secret.AsSpan(secret.Length - 4));
    }

    private static string EncodingOf(VerificationSettings settings) => settings.Encoding ?? "hex";

    private static SignatureCheck VerifyStandard(string secret, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        // Svix, the spec's origin, sends the same headers prefixed 'svix-'.
        var id = header("webhook-id") ?? header("svix-id");
        var timestamp = header("webhook-timestamp") ?? header("svix-timestamp");
        var signatures = header("webhook-signature") ?? header("svix-signature");
        if (string.IsNullOrEmpty(signatures) || string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp))
        {
            var missing = new[] { ("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signatures) }
                .Where(h => string.IsNullOrEmpty(h.Item2)).Select(h => $"'{h.Item1}'");
            return SignatureCheck.Fail($"Missing {string.Join(", ", missing)}: this webhook expects a Standard Webhooks signature in 'webhook-signature' (with 'webhook-id' and 'webhook-timestamp').");
        }
        if (Stale(timestamp, "webhook-timestamp", now) is { } stale)
        {
            return stale;
        }
        var key = StandardKey(secret);
        if (key is null)
        {
            return SignatureCheck.Fail("The webhook's Standard Webhooks secret is not valid base64; set it again.");
        }
        var expected = Hmac256(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}."), body);
        foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',');
            if (comma > 0 && entry.AsSpan(0, comma).SequenceEqual("v1") && Matches(expected, entry[(comma + 1)..], hex: false))
            {
                return SignatureCheck.Valid;
            }
        }
        return SignatureCheck.Fail("The signature in 'webhook-signature' does not match the body: check that the sender and this webhook use the same secret.");
    }

    private static SignatureCheck VerifyStripe(string secret, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var value = header("Stripe-Signature");
        if (string.IsNullOrEmpty(value))
        {
            return SignatureCheck.Fail("Missing 'Stripe-Signature': this webhook expects a Stripe signature (t=…,v1=…).");
        }
        string? timestamp = null;
        var candidates = new List<string>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }
            var name = part[..eq];
            if (name == "t")
            {
                timestamp = part[(eq + 1)..];
            }
            else if (name == "v1")
            {
                candidates.Add(part[(eq + 1)..]);
            }
        }
        if (timestamp is null || candidates.Count == 0)
        {
            return SignatureCheck.Fail("'Stripe-Signature' has no 't=' timestamp or no 'v1=' signature.");
        }
        if (Stale(timestamp, "Stripe-Signature", now) is { } stale)
        {
            return stale;
        }
        // Stripe signs "{t}.{body}" with the whole secret (whsec_… included) as the key.
        var expected = Hmac256(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "."), body);
        return candidates.Any(c => Matches(expected, c, hex: true))
            ? SignatureCheck.Valid
            : SignatureCheck.Fail("The signature in 'Stripe-Signature' does not match the body: check that this webhook has the endpoint's signing secret from Stripe.");
    }

    private static SignatureCheck VerifyPlain(byte[] key, string headerName, string? prefix, bool hex, Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        var value = header(headerName)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return SignatureCheck.Fail($"Missing '{headerName}': this webhook expects an HMAC-SHA256 signature of the body there.");
        }
        if (!string.IsNullOrEmpty(prefix))
        {
            if (!value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return SignatureCheck.Fail($"'{headerName}' does not start with '{prefix}'.");
            }
            value = value[prefix.Length..];
        }
        var expected = Hmac256(key, [], body);
        return Matches(expected, value, hex)
            ? SignatureCheck.Valid
            : SignatureCheck.Fail($"The signature in '{headerName}' does not match the body: check that the sender and this webhook use the same secret.");
    }

    private static SignatureCheck? Stale(string timestamp, string headerName, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SignatureCheck.Fail($"The timestamp in '{headerName}' is not a number of seconds.");
        }
        var skew = now.ToUnixTimeSeconds() - seconds;
        if (Math.Abs(skew) > Tolerance.TotalSeconds)
        {
            var when = skew > 0 ? $"{skew:N0} s old" : $"{-skew:N0} s in the future";
            return SignatureCheck.Fail($"The timestamp in '{headerName}' is {when}; signatures more than {Tolerance.TotalMinutes:N0} minutes from the server's clock are refused (a replay, or a clock that is off).");
        }
        return null;
    }

    private static byte[] Hmac256(byte[] key, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(head);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    private static bool Matches(byte[] expected, string presented, bool hex)
    {
        byte[] actual;
        try
        {
            actual = hex ? Convert.FromHexString(presented.Trim()) : Convert.FromBase64String(presented.Trim());
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>The HMAC key of a Standard Webhooks secret (base64 after the optional <c>whsec_</c>), or null.</summary>
    private static byte[]? StandardKey(string secret)
    {
        var encoded = secret.StartsWith(StandardSecretPrefix, StringComparison.Ordinal) ? secret[StandardSecretPrefix.Length..] : secret;
        var buffer = new byte[encoded.Length];
        return Convert.TryFromBase64String(encoded, buffer, out var n) && n > 0 ? buffer[..n] : null;
    }

    private static bool IsToken(string name) => name.All(c => c is > ' ' and < (char)127 and not (':' or '(' or ')' or ',' or ';' or '"' or '/' or '[' or ']' or '?' or '=' or '{' or '}' or '\\' or '@' or '<' or '>'));
}
