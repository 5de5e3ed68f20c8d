using System.Text.Json.Nodes;
using Undb.Features.Tables;

namespace Undb.Tests.Features.Tables;

public sealed class ValueCoercerTests
{
    private static readonly string[] StageChoices = ["Lead", "Discovery", "Won", "Lost"];
    private static readonly string[] TagChoices = ["hot", "cold", "vip"];

    private static FieldEntity Field(FieldType type, bool required = false, IReadOnlyList<string>? choices = null) => new()
    {
        TableId = "tbl_test",
        Name = "F",
        Type = type,
        Required = required,
        Choices = choices?.ToList() ?? [],
    };

    private static (string? Error, JsonNode? Value) Coerce(FieldType type, string json, bool required = false, IReadOnlyList<string>? choices = null)
    {
        var error = ValueCoercer.TryCoerce(Field(type, required, choices), JsonNode.Parse(json), out var value);
        return (error, value);
    }

    private static JsonNode? Accepted(FieldType type, string json, IReadOnlyList<string>? choices = null)
    {
        var (error, value) = Coerce(type, json, choices: choices);
        Assert.Null(error);
        return value;
    }

    private static string Rejected(FieldType type, string json, IReadOnlyList<string>? choices = null)
    {
        var (error, value) = Coerce(type, json, choices: choices);
        Assert.NotNull(error);
        Assert.Null(value);
        return error;
    }

    // text and longText

    [Theory]
    [InlineData("\"Acme\"", "Acme")]
    [InlineData("\"  spaced  \"", "  spaced  ")]
    [InlineData("1200", "1200")]
    [InlineData("12.5", "12.5")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    public void Text_StringNumberOrBool_IsStoredAsText(string json, string expected)
    {
        var value = Accepted(FieldType.Text, json);
        Assert.Equal(expected, value!.GetValue<string>());
    }

    [Theory]
    [InlineData(FieldType.Text, "{\"a\":1}", "an object")]
    [InlineData(FieldType.Text, "[\"a\"]", "a list")]
    [InlineData(FieldType.LongText, "{\"a\":1}", "an object")]
    [InlineData(FieldType.LongText, "[1,2]", "a list")]
    public void Text_ObjectOrArray_IsRejected(FieldType type, string json, string described)
    {
        var error = Rejected(type, json);
        Assert.Contains("expects text", error);
        Assert.Contains(described, error);
    }

    [Fact]
    public void Text_AtTheLimit_IsAccepted_AndOneMoreIsRejected()
    {
        var atLimit = new string('a', ValueCoercer.MaxTextLength);
        Assert.Equal(atLimit, Accepted(FieldType.Text, $"\"{atLimit}\"")!.GetValue<string>());

        var error = Rejected(FieldType.Text, $"\"{atLimit}b\"");
        Assert.Contains("too long", error);
        Assert.Contains(ValueCoercer.MaxTextLength.ToString("N0"), error);
    }

    [Fact]
    public void LongText_AcceptsMoreThanTextLimit_UpToItsOwnLimit()
    {
        var longer = new string('x', ValueCoercer.MaxTextLength + 1);
        Assert.Equal(longer, Accepted(FieldType.LongText, $"\"{longer}\"")!.GetValue<string>());

        var tooLong = new string('x', ValueCoercer.MaxLongTextLength + 1);
        Assert.Contains("too long", Rejected(FieldType.LongText, $"\"{tooLong}\""));
    }

    [Fact]
    public void LongText_KeepsLineBreaks()
    {
        Assert.Equal("line 1\nline 2", Accepted(FieldType.LongText, "\"line 1\\nline 2\"")!.GetValue<string>());
    }

    // number

    [Theory]
    [InlineData("1200", "1200")]
    [InlineData("\"1200\"", "1200")]
    [InlineData("\" 1200 \"", "1200")]
    [InlineData("1200.50", "1200.5")]
    [InlineData("\"1200.50\"", "1200.5")]
    [InlineData("1200.0", "1200")]
    [InlineData("-3.25", "-3.25")]
    [InlineData("0", "0")]
    [InlineData("1e3", "1000")]
    public void Number_NumbersAndNumericStrings_AreNormalised(string json, string expected)
    {
        Assert.Equal(expected, Accepted(FieldType.Number, json)!.ToJsonString());
    }

    [Theory]
    [InlineData("\"abc\"", "\"abc\"")]
    [InlineData("\"12abc\"", "\"12abc\"")]
    [InlineData("true", "true")]
    [InlineData("{\"n\":1}", "an object")]
    [InlineData("[1]", "a list")]
    public void Number_NonNumbers_AreRejected(string json, string described)
    {
        var error = Rejected(FieldType.Number, json);
        Assert.Contains("expects a number", error);
        Assert.Contains(described, error);
    }

    [Fact]
    public void Number_OutOfDecimalRange_IsRejected()
    {
        Assert.Contains("out of range", Rejected(FieldType.Number, "1e400"));
    }

    // checkbox

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", true)]
    [InlineData("\"FALSE\"", false)]
    [InlineData("\" True \"", true)]
    [InlineData("\"yes\"", true)]
    [InlineData("\"on\"", true)] // what an HTML form sends for a ticked box
    [InlineData("\"1\"", true)]
    [InlineData("1", true)]
    [InlineData("\"No\"", false)]
    [InlineData("\"off\"", false)]
    [InlineData("0", false)]
    public void Checkbox_BoolsAndUnambiguousWords_AreAccepted(string json, bool expected)
    {
        Assert.Equal(expected, Accepted(FieldType.Checkbox, json)!.GetValue<bool>());
    }

    [Theory]
    [InlineData("\"maybe\"")]
    [InlineData("\"2\"")]
    [InlineData("2")]
    [InlineData("0.5")]
    [InlineData("{}")]
    [InlineData("[true]")]
    public void Checkbox_AnythingElse_IsRejected(string json)
    {
        Assert.Contains("expects true or false", Rejected(FieldType.Checkbox, json));
    }

    // singleSelect

    [Theory]
    [InlineData("\"Won\"", "Won")]
    [InlineData("\"won\"", "Won")]
    [InlineData("\"DISCOVERY\"", "Discovery")]
    [InlineData("\" Lead \"", "Lead")]
    public void SingleSelect_MatchesChoiceIgnoringCase_ReturnsCanonicalChoice(string json, string expected)
    {
        Assert.Equal(expected, Accepted(FieldType.SingleSelect, json, StageChoices)!.GetValue<string>());
    }

    [Fact]
    public void SingleSelect_ExactCaseWins_WhenChoicesDifferOnlyInCase()
    {
        Assert.Equal("vip", Accepted(FieldType.SingleSelect, "\"vip\"", ["VIP", "vip"])!.GetValue<string>());
    }

    [Fact]
    public void SingleSelect_UnknownChoice_IsRejected_ListingTheChoices()
    {
        var error = Rejected(FieldType.SingleSelect, "\"Maybe\"", StageChoices);
        Assert.Contains("\"Maybe\"", error);
        Assert.Contains("\"Lead\", \"Discovery\", \"Won\", \"Lost\"", error);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("[\"Won\"]")]
    [InlineData("true")]
    public void SingleSelect_NonString_IsRejected(string json)
    {
        Assert.Contains("expects one of", Rejected(FieldType.SingleSelect, json, StageChoices));
    }

    [Fact]
    public void SingleSelect_WithoutChoices_SaysNoneAreDefined()
    {
        Assert.Contains("none are defined", Rejected(FieldType.SingleSelect, "\"x\"", []));
    }

    // multiSelect

    [Theory]
    [InlineData("[\"hot\",\"vip\"]", "[\"hot\",\"vip\"]")]
    [InlineData("[\"VIP\",\"Hot\"]", "[\"vip\",\"hot\"]")]
    [InlineData("\"cold\"", "[\"cold\"]")]
    [InlineData("[\"hot\",\"HOT\",\"hot\"]", "[\"hot\"]")]
    public void MultiSelect_ListsOrSingleString_AreMatchedAndDeduped(string json, string expected)
    {
        Assert.Equal(expected, Accepted(FieldType.MultiSelect, json, TagChoices)!.ToJsonString());
    }

    /// <summary>A single choice inside a payload (an incoming "tags": "cold", a form's one tag) answered 500 once.</summary>
    [Fact]
    public void MultiSelect_ASingleStringInsideADocument_IsOneChoice()
    {
        var payload = JsonNode.Parse("""{"lead":{"tags":"Cold"}}""")!;
        Assert.Null(ValueCoercer.TryCoerce(Field(FieldType.MultiSelect, false, TagChoices), payload["lead"]!["tags"], out var value));
        Assert.Equal("""["cold"]""", value!.ToJsonString());
        Assert.Equal("Cold", payload["lead"]!["tags"]!.GetValue<string>()); // the payload is left as it was
    }

    [Fact]
    public void MultiSelect_UnknownChoice_IsRejected_ListingTheChoices()
    {
        var error = Rejected(FieldType.MultiSelect, "[\"hot\",\"lukewarm\"]", TagChoices);
        Assert.Contains("\"lukewarm\"", error);
        Assert.Contains("\"hot\", \"cold\", \"vip\"", error);
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("[\"hot\",null]")]
    [InlineData("{\"a\":\"hot\"}")]
    [InlineData("true")]
    public void MultiSelect_NonStringItems_AreRejected(string json)
    {
        Assert.Contains("expects a list of choices", Rejected(FieldType.MultiSelect, json, TagChoices));
    }

    // date

    [Theory]
    [InlineData("\"2026-11-22\"", "2026-11-22")]
    [InlineData("\" 2026-02-28 \"", "2026-02-28")]
    [InlineData("\"2026-11-22T15:35:20Z\"", "2026-11-22T15:35:20.000Z")]
    [InlineData("\"2026-11-22T15:35:20.006Z\"", "2026-11-22T15:35:20.006Z")]
    [InlineData("\"2026-11-22T15:35:20.0069999Z\"", "2026-11-22T15:35:20.006Z")]
    [InlineData("\"2026-11-22T17:35:20+02:00\"", "2026-11-22T15:35:20.000Z")]
    [InlineData("\"2026-11-22T10:35:20-05:00\"", "2026-11-22T15:35:20.000Z")]
    [InlineData("\"2026-11-22T17:35:20+0200\"", "2026-11-22T15:35:20.000Z")]
    [InlineData("\"2026-11-22t15:35:20z\"", "2026-11-22T15:35:20.000Z")]
    [InlineData("\"2026-11-23T01:00:00+02:00\"", "2026-11-22T23:00:00.000Z")]
    [InlineData("\"2026-11-22T15:35:20\"", "2026-11-22T15:35:20.000Z")]
    [InlineData("\"2026-11-22 15:35\"", "2026-11-22T15:35:00.000Z")]
    public void Date_IsoDates_AreKeptOrNormalisedToUtc(string json, string expected)
    {
        Assert.Equal(expected, Accepted(FieldType.Date, json)!.GetValue<string>());
    }

    [Theory]
    [InlineData("\"11/22/2026\"")]
    [InlineData("\"22.11.2026\"")]
    [InlineData("\"2026-02-30\"")]
    [InlineData("\"2026-13-01\"")]
    [InlineData("\"2026-11-22T25:00:00Z\"")]
    [InlineData("\"tomorrow\"")]
    [InlineData("20261122")]
    [InlineData("{}")]
    public void Date_AnythingElse_IsRejected_WithAnExample(string json)
    {
        Assert.Contains("expects an ISO 8601 date such as 2026-11-22", Rejected(FieldType.Date, json));
    }

    // email

    [Theory]
    [InlineData("\"ada@example.com\"", "ada@example.com")]
    [InlineData("\"  ada.lovelace+crm@mail.example.org \"", "ada.lovelace+crm@mail.example.org")]
    public void Email_Addresses_AreAcceptedTrimmed(string json, string expected)
    {
        Assert.Equal(expected, Accepted(FieldType.Email, json)!.GetValue<string>());
    }

    [Theory]
    [InlineData("\"not-an-email\"")]
    [InlineData("\"ada@localhost\"")]
    [InlineData("\"ada@@example.com\"")]
    [InlineData("\"ada lovelace@example.com\"")]
    [InlineData("42")]
    public void Email_NonAddresses_AreRejected(string json)
    {
        Assert.Contains("expects an email address", Rejected(FieldType.Email, json));
    }

    // url

    [Theory]
    [InlineData("\"https://example.com\"")]
    [InlineData("\"http://example.com/path?q=1#frag\"")]
    [InlineData("\"HTTPS://EXAMPLE.COM/A\"")]
    public void Url_HttpAndHttps_AreAccepted(string json)
    {
        Assert.NotNull(Accepted(FieldType.Url, json));
    }

    [Theory]
    [InlineData("\"javascript:alert(1)\"")]
    [InlineData("\"ftp://example.com/file\"")]
    [InlineData("\"file:///etc/passwd\"")]
    [InlineData("\"/etc/passwd\"")]
    [InlineData("\"example.com\"")]
    [InlineData("\"mailto:ada@example.com\"")]
    [InlineData("true")]
    public void Url_OtherSchemesAndNonUrls_AreRejected(string json)
    {
        var error = Rejected(FieldType.Url, json);
        Assert.Contains("URL", error);
    }

    // required and empty

    public static TheoryData<FieldType, string> EmptyInputs()
    {
        var data = new TheoryData<FieldType, string>();
        foreach (var type in FieldTypes.All)
        {
            data.Add(type, "null");
            data.Add(type, "\"\"");
            data.Add(type, "\"   \"");
            data.Add(type, "[]");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EmptyInputs))]
    public void Empty_OnOptionalField_IsNoValueAndNoError(FieldType type, string json)
    {
        var (error, value) = Coerce(type, json, required: false, choices: TagChoices);
        Assert.Null(error);
        Assert.Null(value);
    }

    [Theory]
    [MemberData(nameof(EmptyInputs))]
    public void Empty_OnRequiredField_IsRequiredError(FieldType type, string json)
    {
        var (error, value) = Coerce(type, json, required: true, choices: TagChoices);
        Assert.Equal("is required", error);
        Assert.Null(value);
    }

    [Fact]
    public void Required_WithAValue_IsAccepted()
    {
        var (error, value) = Coerce(FieldType.Number, "0", required: true);
        Assert.Null(error);
        Assert.Equal("0", value!.ToJsonString());
    }

    [Fact]
    public void Required_Checkbox_AcceptsFalse()
    {
        var (error, value) = Coerce(FieldType.Checkbox, "false", required: true);
        Assert.Null(error);
        Assert.False(value!.GetValue<bool>());
    }

    [Fact]
    public void IsEmpty_TellsValuesFromNoValue()
    {
        Assert.True(ValueCoercer.IsEmpty(null));
        Assert.True(ValueCoercer.IsEmpty(JsonValue.Create(" ")));
        Assert.True(ValueCoercer.IsEmpty(new JsonArray()));
        Assert.False(ValueCoercer.IsEmpty(JsonValue.Create(0)));
        Assert.False(ValueCoercer.IsEmpty(JsonValue.Create(false)));
        Assert.False(ValueCoercer.IsEmpty(new JsonObject()));
    }
}
