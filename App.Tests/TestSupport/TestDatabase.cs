namespace Undb.Tests.TestSupport;

/// <summary>A fresh SQLite file in a temporary folder, deleted (with its WAL files) on dispose.</summary>
public sealed class TestDatabase : IDisposable
{
    public TestDatabase()
    {
        Directory = Path.Combine(Path.GetTempPath(), "undb-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        FilePath = Path.Combine(Directory, "undb.db");
    }

    public string Directory { get; }

    public string FilePath { get; }

    /// <summary>Pooling off so the file can be deleted when the test ends.</summary>
    public string ConnectionString => $"Data Source={FilePath};Pooling=False";

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A background service may still hold the file for a moment; the temp folder is cleaned by the OS.
        }
    }
}
