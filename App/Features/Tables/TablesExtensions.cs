namespace Undb.Features.Tables;

public static class TablesExtensions
{
    public static IHostApplicationBuilder AddTables(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TableService>();
        builder.Services.AddSingleton<TableSnapshotCache>();
        builder.Services.AddSingleton<FieldUsages>();
        builder.Services.AddSingleton<RecordService>();
        builder.Services.AddSingleton<IRecordChangeSink, RecordHistorySink>();
        builder.Services.AddSingleton<RecordHistoryService>();
        builder.Services.AddSingleton<RecordQueryService>();
        builder.Services.AddSingleton<CsvExporter>();
        builder.Services.AddSingleton<CsvImporter>();
        builder.Services.AddScoped<Components.FieldActions>();
        builder.Services.AddScoped<Components.GridViews>();
        return builder;
    }
}
