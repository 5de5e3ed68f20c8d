using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class HardenApi : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "RevokedAt",
                table: "ApiTokens",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ServerOwner",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    ClaimedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServerOwner", x => x.Id);
                    table.CheckConstraint("CK_ServerOwner_One", "\"Id\" = 1");
                    table.ForeignKey(
                        name: "FK_ServerOwner_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ServerOwner_UserId",
                table: "ServerOwner",
                column: "UserId");

            // A server that already has users is owned by the earliest of them.
            migrationBuilder.Sql(
                "INSERT INTO \"ServerOwner\" (\"Id\", \"UserId\", \"ClaimedAt\") " +
                "SELECT 1, \"Id\", \"CreatedAt\" FROM \"AspNetUsers\" ORDER BY \"CreatedAt\", \"Id\" LIMIT 1;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ServerOwner");

            migrationBuilder.DropColumn(
                name: "RevokedAt",
                table: "ApiTokens");
        }
    }
}
