using System.Text;
using Undb.Data.Postgres;

namespace Undb.Tests.Data;

/// <summary>
/// How the PostgreSQL backplane packs messages into notifications (no server needed): in order, as few payloads as
/// fit under the limit, every payload under it, and one message alone in the format a notification always had.
/// </summary>
public sealed class BackplanePackingTests
{
    [Fact]
    public void OneMessage_IsOriginTopicAndMessage_AsBefore()
    {
        var payloads = PostgresBackplane.Pack("abc123", ["TableChange\n{\"TableId\":\"tbl_1\"}"]);

        Assert.Equal(["abc123\nTableChange\n{\"TableId\":\"tbl_1\"}"], payloads);
        var (origin, messages) = PostgresBackplane.Unpack(payloads[0]);
        Assert.Equal("abc123", origin);
        Assert.Equal([("TableChange", "{\"TableId\":\"tbl_1\"}")], messages);
    }

    [Fact]
    public void ManyMessages_GoInAsFewPayloadsAsFit_EachUnderTheLimit_InOrder()
    {
        // Messages of uneven sizes, some with characters of several UTF-8 bytes, so the limit counts bytes, not chars.
        var parts = Enumerable.Range(0, 500)
            .Select(i => $"Topic{i % 3}\n{{\"i\":{i},\"text\":\"{new string(i % 2 == 0 ? 'x' : 'é', i % 97)}\"}}")
            .ToList();
        const int max = 1_000;

        var payloads = PostgresBackplane.Pack("origin", parts, max);

        Assert.All(payloads, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= max, $"{Encoding.UTF8.GetByteCount(p)} bytes"));
        var total = parts.Sum(p => 1 + Encoding.UTF8.GetByteCount(p)) + "origin".Length;
        Assert.True(payloads.Count < parts.Count / 4, $"{payloads.Count} payloads for {parts.Count} messages");
        // Packed greedily: a payload and the next one's first message would not have fitted together.
        for (var i = 0; i + 1 < payloads.Count; i++)
        {
            var next = PostgresBackplane.Unpack(payloads[i + 1]).Messages[0];
            Assert.True(Encoding.UTF8.GetByteCount(payloads[i]) + 1 + Encoding.UTF8.GetByteCount(next.Topic + "\n" + next.Message) > max);
        }
        var unpacked = payloads.Select(PostgresBackplane.Unpack).ToList();
        Assert.All(unpacked, u => Assert.Equal("origin", u.Origin));
        Assert.Equal(parts, unpacked.SelectMany(u => u.Messages).Select(m => m.Topic + "\n" + m.Message));
        Assert.True(total > max);
    }

    [Fact]
    public void NothingToSend_IsNoPayload()
    {
        Assert.Empty(PostgresBackplane.Pack("origin", []));
    }

    [Theory]
    [InlineData("origin", 0)]
    [InlineData("origin\nTopicWithoutMessage", 0)]
    [InlineData("origin\nTopic\n", 1)]
    [InlineData("origin\nTopic\n{}\nTopic\n{}", 2)]
    public void APayloadThatIsNotWhole_GivesOnlyItsWholeMessages(string payload, int messages)
    {
        Assert.Equal(messages, PostgresBackplane.Unpack(payload).Messages.Count);
        Assert.Equal("origin", PostgresBackplane.Unpack(payload).Origin);
    }
}
