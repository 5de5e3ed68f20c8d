using System.Security.Cryptography;

namespace Undb.Data;

/// <summary>Prefixed, time-ordered ids (<c>rec_01jd…</c>): sortable by creation, unique across processes.</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

    public static string New(string prefix) => New(prefix, DateTimeOffset.UtcNow);

    /// <summary>48 bits of milliseconds then 80 random bits, like a ULID, in 26 base32 characters.</summary>
    public static string New(string prefix, DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)at.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }
        RandomNumberGenerator.Fill(bytes[6..]);

        Span<char> chars = stackalloc char[26];
        // 128 bits -> 26 chars of 5 bits (the first char carries 3 bits).
        var hi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var lo = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var value = new UInt128(hi, lo);
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return string.Concat(prefix, "_", chars);
    }

    public const string Table = "tbl";
    public const string Field = "fld";
    public const string Record = "rec";
    public const string User = "usr";
    public const string Event = "evt";
    public const string ApiToken = "tok";
}
