using System.Security.Cryptography;
using System.Text;

namespace Undb.Features.Accounts;

/// <summary>Random high-entropy keys and their SHA-256 hashes (enough for random keys; passwords use Identity's hasher).</summary>
public static class SecretHasher
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>prefix + 43 base62 characters (≈256 bits).</summary>
    public static string NewKey(string prefix, int length = 43)
    {
        return prefix + RandomNumberGenerator.GetString(Base62, length);
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Compares a presented key with a stored hash in constant time.</summary>
    public static bool Matches(string presented, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(presented)), Encoding.ASCII.GetBytes(storedHash));

    /// <summary><c>uwk_abcd…wxyz</c>: enough to tell keys apart, useless to an attacker.</summary>
    public static string Mask(string key, int prefixLength)
    {
        if (key.Length <= prefixLength + 8)
        {
            return key[..Math.Min(prefixLength, key.Length)] + "…";
        }
        return string.Concat(key.AsSpan(0, prefixLength + 4), "…", key.AsSpan(key.Length - 4));
    }
}
