namespace Undb.Features.Tables;

/// <summary>The types a field can have; the API spells them in camelCase (<c>singleSelect</c>).</summary>
public enum FieldType
{
    Text,
    LongText,
    Number,
    Checkbox,
    SingleSelect,
    MultiSelect,
    Date,
    Email,
    Url,
}

public static class FieldTypes
{
    public static readonly IReadOnlyList<FieldType> All = Enum.GetValues<FieldType>();

    /// <summary>Whether a checkbox's value is checked: only JSON <c>true</c> is (a missing value or null is not).</summary>
    public static bool IsChecked(System.Text.Json.Nodes.JsonNode? value) =>
        value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static string ToApiName(this FieldType type) => type switch
    {
        FieldType.Text => "text",
        FieldType.LongText => "longText",
        FieldType.Number => "number",
        FieldType.Checkbox => "checkbox",
        FieldType.SingleSelect => "singleSelect",
        FieldType.MultiSelect => "multiSelect",
        FieldType.Date => "date",
        FieldType.Email => "email",
        FieldType.Url => "url",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string? name, out FieldType type)
    {
        foreach (var t in All)
        {
            if (string.Equals(t.ToApiName(), name, StringComparison.OrdinalIgnoreCase))
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }

    public static string DisplayName(this FieldType type) => type switch
    {
        FieldType.Text => "Single line text",
        FieldType.LongText => "Long text",
        FieldType.Number => "Number",
        FieldType.Checkbox => "Checkbox",
        FieldType.SingleSelect => "Single select",
        FieldType.MultiSelect => "Multiple select",
        FieldType.Date => "Date",
        FieldType.Email => "Email",
        FieldType.Url => "URL",
        _ => type.ToString(),
    };

    public static bool HasChoices(this FieldType type) => type is FieldType.SingleSelect or FieldType.MultiSelect;

    /// <summary>Types whose values quick search looks into.</summary>
    public static bool IsSearchable(this FieldType type) =>
        type is FieldType.Text or FieldType.LongText or FieldType.Email or FieldType.Url or FieldType.SingleSelect or FieldType.MultiSelect;
}
