using Undb.Data;

namespace Undb.Features.Tables;

public sealed class TableEntity
{
    public string Id { get; set; } = Ids.New(Ids.Table);
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedById { get; set; }
    public List<FieldEntity> Fields { get; set; } = [];
}

public sealed class FieldEntity
{
    public string Id { get; set; } = Ids.New(Ids.Field);
    public required string TableId { get; set; }
    public required string Name { get; set; }
    public FieldType Type { get; set; }
    public bool Required { get; set; }
    /// <summary>Choices for select fields, in display order.</summary>
    public List<string> Choices { get; set; } = [];
    public int Order { get; set; }
    public bool Hidden { get; set; }
}

public sealed class RecordEntity
{
    public string Id { get; set; } = Ids.New(Ids.Record);
    public required string TableId { get; set; }
    /// <summary>JSON object of values keyed by field id, so renaming a field keeps its data.</summary>
    public string Data { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? CreatedById { get; set; }
    public string? UpdatedById { get; set; }
}
