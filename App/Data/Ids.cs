using System.Security.Cryptography;

namespace Undb.Data;

/// <summary>Prefixed, time-ordered ids (<c>rec_01jd…</c>): sortable by creation, unique across processes.</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

    public static string New(string prefix) => New(prefix, DateTimeOffset.UtcNow);

    private static readonly Lock Gate = new();
    private static readonly UInt128 RandomMask = (UInt128.One << 80) - 1;
    private static ulong _lastMs;
    private static UInt128 _lastRandom;

    /// <summary>
    /// 48 bits of milliseconds then 80 random bits, like a ULID, in 26 base32 characters. Monotonic within the process:
    /// an id made in the same (or an earlier) millisecond as the previous one counts up from it, so ids made in a burst
    /// (a bulk create) sort in the order they were made.
    /// </summary>
    public static string New(string prefix, DateTimeOffset at)
    {
        var ms = (ulong)at.ToUnixTimeMilliseconds();
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[6..]);
        var random = new UInt128(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        lock (Gate)
        {
            if (ms <= _lastMs)
            {
                if (_lastRandom < RandomMask)
                {
                    ms = _lastMs;
                    random = _lastRandom + 1;
                }
                else
                {
                    ms = _lastMs + 1;
                }
            }
            _lastMs = ms;
            _lastRandom = random;
        }

        Span<char> chars = stackalloc char[26];
        // 128 bits -> 26 chars of 5 bits (the first char carries 3 bits).
        var value = ((UInt128)ms << 80) | random;
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
