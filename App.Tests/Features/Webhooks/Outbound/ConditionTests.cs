using System.Text.Json.Nodes;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

[Trait("Engines", "Both")]
public sealed class ConditionTests
{
    private static readonly TableSnapshot Table = new("tbl_1", "Deals",
    [
        new FieldEntity { Id = "fld_deal", TableId = "tbl_1", Name = "Deal", Type = FieldType.Text },
        new FieldEntity { Id = "fld_value", TableId = "tbl_1", Name = "Value", Type = FieldType.Number },
        new FieldEntity { Id = "fld_stage", TableId = "tbl_1", Name = "Stage", Type = FieldType.SingleSelect, Choices = ["Lead", "Won", "Lost"] },
        new FieldEntity { Id = "fld_tags", TableId = "tbl_1", Name = "Tags", Type = FieldType.MultiSelect, Choices = ["hot", "vip"] },
        new FieldEntity { Id = "fld_close", TableId = "tbl_1", Name = "Close", Type = FieldType.Date },
    ]);

    private static RecordChange Change(ChangeKind kind, JsonObject values, params string[] changed) =>
        new("evt_1", kind, new RecordSnapshot("rec_1", values, DateTimeOffset.UnixEpoch, null, DateTimeOffset.UnixEpoch, null), null, changed);

    private static WebhookCondition Stored(string conjunction, params ConditionFilter[] filters)
    {
        var errors = new Dictionary<string, string[]>();
        var stored = ConditionMapper.ToStored(new WebhookCondition(conjunction, filters, null), Table, errors);
        Assert.Empty(errors);
        return stored!;
    }

    private static JsonObject Values() => new()
    {
        ["fld_deal"] = "Acme renewal",
        ["fld_value"] = 1200,
        ["fld_stage"] = "Won",
        ["fld_tags"] = new JsonArray("hot", "vip"),
        ["fld_close"] = "2026-12-01",
    };

    [Theory]
    [InlineData("Stage", "is", "won", true)]
    [InlineData("Stage", "is", "Lost", false)]
    [InlineData("Stage", "isNot", "Lost", true)]
    [InlineData("Value", "gt", "1000", true)]
    [InlineData("Value", "gte", "1200", true)]
    [InlineData("Value", "lt", "1200", false)]
    [InlineData("Value", "lte", "1200.0", true)]
    [InlineData("Value", "is", "1200", true)]
    [InlineData("Deal", "contains", "ACME", true)]
    [InlineData("Deal", "notContains", "acme", false)]
    [InlineData("Deal", "is", "acme renewal", true)]
    [InlineData("Tags", "contains", "vip", true)]
    [InlineData("Close", "gt", "2026-11-30", true)]
    [InlineData("Close", "lt", "2026-11-30", false)]
    public void Filter_OnRecordAfterChange_EvaluatesOperator(string field, string op, string value, bool expected)
    {
        var condition = Stored("and", new ConditionFilter(field, op, JsonValue.Create(value)));
        Assert.Equal(expected, ConditionEvaluator.Matches(condition, Change(ChangeKind.Updated, Values(), "fld_value"), Table));
    }

    [Fact]
    public void EmptyOperators_TestPresenceOfAValue()
    {
        var values = Values();
        values.Remove("fld_value");
        Assert.True(ConditionEvaluator.Matches(Stored("and", new ConditionFilter("Value", "isEmpty")), Change(ChangeKind.Created, values), Table));
        Assert.False(ConditionEvaluator.Matches(Stored("and", new ConditionFilter("Value", "isNotEmpty")), Change(ChangeKind.Created, values), Table));
        Assert.False(ConditionEvaluator.Matches(Stored("and", new ConditionFilter("Value", "gt", 0)), Change(ChangeKind.Created, values), Table));
    }

    [Fact]
    public void AndRequiresEveryFilter_OrRequiresAny()
    {
        var won = new ConditionFilter("Stage", "is", "Won");
        var small = new ConditionFilter("Value", "lt", 100);
        var change = Change(ChangeKind.Created, Values());
        Assert.False(ConditionEvaluator.Matches(Stored("and", won, small), change, Table));
        Assert.True(ConditionEvaluator.Matches(Stored("or", won, small), change, Table));
        Assert.True(ConditionEvaluator.Matches(Stored("and", won), change, Table));
    }

    [Fact]
    public void ChangedFields_FireOnlyWhenOneOfThemChanged_OnUpdates()
    {
        var errors = new Dictionary<string, string[]>();
        var condition = ConditionMapper.ToStored(new WebhookCondition("and", [], ["Stage"]), Table, errors)!;
        Assert.Empty(errors);
        Assert.True(ConditionEvaluator.Matches(condition, Change(ChangeKind.Updated, Values(), "fld_stage"), Table));
        Assert.False(ConditionEvaluator.Matches(condition, Change(ChangeKind.Updated, Values(), "fld_value", "fld_deal"), Table));
        // Creating a record changes no field in particular, so the watch list does not hold creations back.
        Assert.True(ConditionEvaluator.Matches(condition, Change(ChangeKind.Created, Values(), "fld_value"), Table));
    }

    [Fact]
    public void NoCondition_MatchesEverything()
    {
        Assert.True(ConditionEvaluator.Matches(null, Change(ChangeKind.Deleted, new JsonObject()), Table));
    }

    [Fact]
    public void ToStored_BadRows_ReportEveryProblemByKey()
    {
        var errors = new Dictionary<string, string[]>();
        ConditionMapper.ToStored(new WebhookCondition("xor",
        [
            new ConditionFilter("Nope", "is", "x"),
            new ConditionFilter("Stage", "gt", "Won"),
            new ConditionFilter("Stage", "is", "Maybe"),
            new ConditionFilter("Value", "is", null),
            new ConditionFilter("Value", "near", 3),
        ], ["Ghost"]), Table, errors);
        Assert.Contains("condition.conjunction", errors.Keys);
        Assert.Contains("condition.filters[0].field", errors.Keys);
        Assert.Contains("condition.filters[1].operator", errors.Keys);
        Assert.Contains("condition.filters[2].value", errors.Keys);
        Assert.Equal("Needs a value; to match an empty field, use \"is empty\" (isEmpty).", errors["condition.filters[3].value"][0]);
        Assert.Contains("condition.filters[4].operator", errors.Keys);
        Assert.Contains("condition.changedFields[0]", errors.Keys);
    }

    [Fact]
    public void ToApi_ShowsFieldNames_StoredUsesIds()
    {
        var stored = Stored("or", new ConditionFilter("stage", "is", "won"));
        Assert.Equal("fld_stage", stored.Filters![0].Field);
        Assert.Equal("Won", stored.Filters[0].Value!.GetValue<string>());
        var api = ConditionMapper.ToApi(ConditionMapper.Deserialize(ConditionMapper.Serialize(stored)), Table)!;
        Assert.Equal("Stage", api.Filters![0].Field);
        Assert.Equal("or", api.Conjunction);
    }
}
