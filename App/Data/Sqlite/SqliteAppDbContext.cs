using Microsoft.EntityFrameworkCore;

namespace Undb.Data.Sqlite;

/// <summary>The model on SQLite: carries SQLite's migrations (App/Data/Sqlite/Migrations).</summary>
public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options);
