using System.Text.Json.Nodes;

namespace Undb.Features.Tables;

public sealed record FieldOptionsDto(IReadOnlyList<string>? Choices);

/// <summary><see cref="Hidden"/> appears only when true (hidden from the grid).</summary>
public sealed record FieldDto(string Id, string Name, string Type, bool Required, FieldOptionsDto? Options, bool? Hidden = null);

public sealed record TableDto(string Id, string Name, IReadOnlyList<FieldDto> Fields);

public sealed record UserRefDto(string Id, string Username);

public sealed record RecordDto(
    string Id,
    JsonObject Values,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    UserRefDto? CreatedBy,
    UserRefDto? UpdatedBy);

public sealed record RecordListDto(IReadOnlyList<RecordDto> Records, int Total);

public sealed record RecordsDto(IReadOnlyList<RecordDto> Records);

public sealed record DeletedDto(int Deleted);

public sealed record CreateFieldRequest(string? Name, string? Type, bool? Required, FieldOptionsDto? Options);

public sealed record UpdateFieldRequest(string? Name, bool? Required, bool? Hidden, FieldOptionsDto? Options);

public sealed record RenameTableRequest(string? Name);

public sealed record ReorderFieldsRequest(IReadOnlyList<string>? FieldIds);

public sealed record CreateTableRequest(string? Name, IReadOnlyList<CreateFieldRequest>? Fields);

public sealed record RecordValuesRequest(Dictionary<string, JsonNode?>? Values);

public sealed record BulkRecordItem(string? Id, Dictionary<string, JsonNode?>? Values);

public sealed record BulkRecordsRequest(IReadOnlyList<BulkRecordItem>? Records);

public sealed record BulkDeleteRequest(IReadOnlyList<string>? Ids);

/// <summary>Conversions between stored shapes (values keyed by field id) and API shapes (keyed by field name).</summary>
public static class ApiMapping
{
    public static FieldDto ToDto(this FieldEntity f) =>
        new(f.Id, f.Name, f.Type.ToApiName(), f.Required, f.Type.HasChoices() ? new FieldOptionsDto(f.Choices) : null, f.Hidden ? true : null);

    public static TableDto ToDto(this TableSnapshot t) => new(t.Id, t.Name, t.Fields.Select(f => f.ToDto()).ToList());

    public static UserRefDto? ToDto(this UserRef? u) => u is null ? null : new UserRefDto(u.Id, u.Username);

    public static RecordDto ToDto(this RecordSnapshot r, TableSnapshot table) =>
        new(r.Id, ValuesByName(r.Values, table), r.CreatedAt, r.UpdatedAt, r.CreatedBy.ToDto(), r.UpdatedBy.ToDto());

    /// <summary>Values keyed by field name, in field order; fields without a value are left out.</summary>
    public static JsonObject ValuesByName(JsonObject valuesById, TableSnapshot table)
    {
        var result = new JsonObject();
        foreach (var field in table.Fields)
        {
            if (valuesById.TryGetPropertyValue(field.Id, out var value) && value is not null)
            {
                result[field.Name] = value.DeepClone();
            }
        }
        return result;
    }

    public static FieldSpec ToSpec(this CreateFieldRequest f, string key)
    {
        if (!FieldTypes.TryParse(f.Type, out var type))
        {
            var allowed = string.Join(", ", FieldTypes.All.Select(t => t.ToApiName()));
            throw new BadRequestException(
                f.Type is null ? $"{key}.type is required; one of {allowed}." : $"'{f.Type}' is not a field type; use one of {allowed}.",
                new Dictionary<string, string[]> { [$"{key}.type"] = [$"Use one of {allowed}."] });
        }
        return new FieldSpec(f.Name ?? "", type, f.Required ?? false, f.Options?.Choices);
    }

    public static IReadOnlyDictionary<string, JsonNode?> Empty { get; } = new Dictionary<string, JsonNode?>();
}
