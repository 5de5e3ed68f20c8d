using Microsoft.AspNetCore.WebUtilities;
using Undb.Features.Tables;

namespace Undb.Tests.Features.Tables;

/// <summary>The grid's view in a URL: what the grid writes for its download link, the API reads back.</summary>
public sealed class RecordQueryTextTests
{
    [Fact]
    public void AView_RoundTripsThroughTheQueryString()
    {
        RecordFilter[] filters =
        [
            new("fld_value", FilterOperator.GreaterOrEqual, "10.5"),
            new("fld_close", FilterOperator.LessThan, "2026-11-22T15:00:00Z"),
            new("fld_stage", FilterOperator.IsAnyOf, null, ["Won", "Lost, really", "Ünïcode & more"]),
            new("fld_notes", FilterOperator.IsEmpty),
        ];

        var text = RecordQueryText.ToQueryString("fld_value", descending: true, "a&b c", filters);
        var query = QueryHelpers.ParseQuery(text);
        var view = RecordQueryText.Parse(query["sort"], query["search"], query["filter"].ToArray()!);

        Assert.Equal("fld_value", view.Sort);
        Assert.True(view.Descending);
        Assert.Equal("a&b c", view.Search);
        Assert.Equal(4, view.Filters!.Count);
        Assert.Equal(filters[0], view.Filters[0]);
        Assert.Equal(filters[1], view.Filters[1]);
        Assert.Equal(filters[2].Values, view.Filters[2].Values);
        Assert.Equal(FilterOperator.IsEmpty, view.Filters[3].Operator);
    }

    [Fact]
    public void NoView_IsNoQueryString() => Assert.Equal("", RecordQueryText.ToQueryString(null, false, null, []));

    [Theory]
    [InlineData("Stage:is:Won", "Stage", FilterOperator.Is, "Won")]
    [InlineData("Close:gte:2026-11-22T15:00:00+02:00", "Close", FilterOperator.GreaterOrEqual, "2026-11-22T15:00:00+02:00")]
    [InlineData("Notes:ISNOTEMPTY", "Notes", FilterOperator.IsNotEmpty, null)]
    [InlineData("Tags:isAnyOf:hot, vip", "Tags", FilterOperator.IsAnyOf, "hot, vip")]
    public void Filter_ReadsFieldOperatorAndTheRestAsValue(string text, string field, FilterOperator op, string? value)
    {
        var filter = Assert.Single(RecordQueryText.ParseFilters([text]));

        Assert.Equal(new RecordFilter(field, op, value, filter.Values), filter);
        if (op == FilterOperator.IsAnyOf)
        {
            Assert.Equal(["hot", "vip"], filter.Values);
        }
    }

    [Theory]
    [InlineData("Stage")]
    [InlineData(":is:Won")]
    [InlineData("Stage:equals:Won")]
    [InlineData("Stage:isAnyOf:[\"Won\"")]
    public void AMalformedFilter_IsABadRequest_NamingIt(string text)
    {
        var ex = Assert.Throws<BadRequestException>(() => RecordQueryText.ParseFilters(["Deal:is:x", text]));

        Assert.True(ex.Errors!.ContainsKey("filter[1]"));
    }
}
