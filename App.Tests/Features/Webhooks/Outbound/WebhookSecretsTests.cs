using Microsoft.AspNetCore.DataProtection;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>Secrets are stored encrypted; reading one back decrypts it once, not on every delivery.</summary>
public sealed class WebhookSecretsTests
{
    [Fact]
    public void Unprotect_ReturnsEachSecret_DecryptingEachCiphertextOnce()
    {
        var provider = new CountingProvider(new EphemeralDataProtectionProvider());
        var secrets = new WebhookSecrets(provider);
        var first = secrets.Protect("whsec_first");
        var second = secrets.Protect("whsec_second");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("whsec_first", secrets.Unprotect(first));
            Assert.Equal("whsec_second", secrets.Unprotect(second));
        }

        Assert.Equal(2, provider.Decryptions);
    }

    [Fact]
    public void Unprotect_OfACiphertextFromAnotherKeyRing_StillSaysUnreadable()
    {
        var secrets = new WebhookSecrets(new EphemeralDataProtectionProvider());
        Assert.Equal("whsec_mine", secrets.Unprotect(secrets.Protect("whsec_mine")));
        var foreign = new WebhookSecrets(new EphemeralDataProtectionProvider()).Protect("whsec_theirs");

        Assert.Throws<SecretUnreadableException>(() => secrets.Unprotect(foreign));
        Assert.Throws<SecretUnreadableException>(() => secrets.Unprotect(foreign));
    }

    /// <summary>Counts the decryptions its protectors do.</summary>
    private sealed class CountingProvider(IDataProtectionProvider inner) : IDataProtectionProvider
    {
        private int _decryptions;

        public int Decryptions => _decryptions;

        public IDataProtector CreateProtector(string purpose) => new Protector(this, inner.CreateProtector(purpose));

        private sealed class Protector(CountingProvider owner, IDataProtector inner) : IDataProtector
        {
            public IDataProtector CreateProtector(string purpose) => new Protector(owner, inner.CreateProtector(purpose));

            public byte[] Protect(byte[] plaintext) => inner.Protect(plaintext);

            public byte[] Unprotect(byte[] protectedData)
            {
                Interlocked.Increment(ref owner._decryptions);
                return inner.Unprotect(protectedData);
            }
        }
    }
}
