namespace Undb.Features.Webhooks.Incoming.Components;

/// <summary>The verification settings being edited in a dialog.</summary>
public sealed class VerificationDraft
{
    public static readonly IReadOnlyList<(string Value, string Label)> SchemeLabels =
    [
        (VerificationInput.None, "No signature (API key only)"),
        (SenderSignatures.StandardWebhooks, "Standard Webhooks (Svix, this app's outbound webhooks)"),
        (SenderSignatures.GitHub, "GitHub (X-Hub-Signature-256)"),
        (SenderSignatures.Stripe, "Stripe (Stripe-Signature)"),
        (SenderSignatures.Shopify, "Shopify (X-Shopify-Hmac-Sha256)"),
        (SenderSignatures.Hmac, "Custom HMAC-SHA256 header"),
    ];

    public string Scheme { get; set; } = VerificationInput.None;
    public string? Secret { get; set; }
    public string? Header { get; set; }
    public string Encoding { get; set; } = "hex";
    public string? Prefix { get; set; }

    public static VerificationDraft From(VerificationView? current) => current is null ? new() : new()
    {
        Scheme = current.Scheme, Header = current.Header, Encoding = current.Encoding ?? "hex", Prefix = current.Prefix,
    };

    public VerificationInput ToInput() => Scheme == VerificationInput.None
        ? new VerificationInput(VerificationInput.None)
        : new VerificationInput(Scheme, string.IsNullOrWhiteSpace(Secret) ? null : Secret.Trim(),
            Scheme == SenderSignatures.Hmac ? Header : null, Scheme == SenderSignatures.Hmac ? Encoding : null, Scheme == SenderSignatures.Hmac ? Prefix : null);

    public static string Label(string scheme) => SchemeLabels.FirstOrDefault(s => s.Value == scheme).Label ?? scheme;

    /// <summary>What the sender does and where the secret comes from, per scheme.</summary>
    public static string Help(string scheme) => scheme switch
    {
        SenderSignatures.StandardWebhooks =>
            "Checks webhook-id, webhook-timestamp (within 5 minutes) and webhook-signature. Paste the sender's whsec_… secret (for this app's own outbound webhooks: its signing secret), or leave it empty to generate one to give the sender.",
        SenderSignatures.GitHub => "Checks X-Hub-Signature-256 (sha256=<hex>). Use the same secret in the GitHub webhook's settings; leave it empty to generate one.",
        SenderSignatures.Stripe => "Checks Stripe-Signature (t=…,v1=…, within 5 minutes). Paste the endpoint's signing secret (whsec_…) from Stripe.",
        SenderSignatures.Shopify => "Checks X-Shopify-Hmac-Sha256 (base64). Paste the app's client secret (or the store's webhook signing key).",
        SenderSignatures.Hmac => "Checks an HMAC-SHA256 of the body in the header you name, hex or base64, after an optional prefix.",
        _ => "",
    };
}
