using Undb.Data;

namespace Undb.Tests.Data;

public sealed class IdsTests
{
    [Fact]
    public void New_HasThePrefixAnd26Base32Characters()
    {
        Assert.Matches("^rec_[0-9a-hjkmnp-tv-z]{26}$", Ids.New(Ids.Record));
    }

    [Fact]
    public void New_InTheSameMillisecond_SortsInTheOrderMade()
    {
        var at = DateTimeOffset.UtcNow;

        var ids = Enumerable.Range(0, 5000).Select(_ => Ids.New(Ids.Record, at)).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void New_InterleavedWithOtherClocks_StillSortsInTheOrderMade()
    {
        // RecordService stamps ids with its TimeProvider's time while entity initialisers use the system clock.
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);

        var ids = Enumerable.Range(0, 200).Select(i => Ids.New(Ids.Record, i % 2 == 0 ? at : DateTimeOffset.UtcNow)).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void New_Later_SortsAfter()
    {
        var first = Ids.New(Ids.Table, DateTimeOffset.UtcNow.AddYears(1));
        var second = Ids.New(Ids.Table, DateTimeOffset.UtcNow.AddYears(2));

        Assert.True(string.CompareOrdinal(first, second) < 0);
    }

    [Fact]
    public void New_EachNewMillisecond_GetsFreshRandomBits_AcrossPoolRefills()
    {
        // Far ahead of any other test's clock, so each id starts a millisecond of its own.
        var at = DateTimeOffset.UtcNow.AddYears(3);

        // 1,000 ids use up the pool of random bits several times over.
        var randomParts = Enumerable.Range(0, 1000).Select(i => Ids.New(Ids.Record, at.AddMilliseconds(i))[^16..]).ToList();

        Assert.Equal(randomParts.Count, randomParts.Distinct().Count());
        // 80 random bits: a run of ids whose random parts merely counted up would share their leading characters.
        Assert.True(randomParts.Select(r => r[..4]).Distinct().Count() > 900);
    }
}
