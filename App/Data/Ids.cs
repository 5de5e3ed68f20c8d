using System.Security.Cryptography;

namespace Undb.Data;

/// <summary>Prefixed, time-ordered ids (<c>rec_01jd…</c>): sortable by creation, unique across processes.</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

    public static string New(string prefix) => New(prefix, DateTimeOffset.UtcNow);

    private static readonly Lock Gate = new();
    private static readonly UInt128 RandomMask = (UInt128.One << 80) - 1;
    private const int RandomBytes = 10;
    // Cryptographic randomness fetched a few hundred ids at a time: each fetch is a call into OpenSSL (with a system
    // call of its own), and a request makes several ids.
    private static readonly byte[] Pool = new byte[RandomBytes * 256];
    private static int _poolUsed = Pool.Length;
    private static ulong _lastMs;
    private static UInt128 _lastRandom;

    /// <summary>
    /// 48 bits of milliseconds then 80 random bits, like a ULID, in 26 base32 characters. Monotonic within the process:
    /// an id made in the same (or an earlier) millisecond as the previous one counts up from it, so ids made in a burst
    /// (a bulk create) sort in the order they were made. Fresh random bits are drawn only for a new millisecond.
    /// </summary>
    public static string New(string prefix, DateTimeOffset at)
    {
        var ms = (ulong)at.ToUnixTimeMilliseconds();
        UInt128 random;
        lock (Gate)
        {
            if (ms <= _lastMs && _lastRandom < RandomMask)
            {
                ms = _lastMs;
                random = _lastRandom + 1;
            }
            else
            {
                ms = Math.Max(ms, _lastMs + 1);
                random = NextRandom();
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

    /// <summary>80 random bits from the pool (under <see cref="Gate"/>).</summary>
    private static UInt128 NextRandom()
    {
        if (_poolUsed == Pool.Length)
        {
            RandomNumberGenerator.Fill(Pool);
            _poolUsed = 0;
        }
        var bits = Pool.AsSpan(_poolUsed, RandomBytes);
        _poolUsed += RandomBytes;
        var value = new UInt128(System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bits),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bits[2..]));
        bits.Clear(); // used bits do not linger in memory
        return value;
    }

    public const string Table = "tbl";
    public const string Field = "fld";
    public const string Record = "rec";
    public const string User = "usr";
    public const string Event = "evt";
    public const string ApiToken = "tok";
    public const string Invitation = "inv";
    public const string History = "hst";
}
