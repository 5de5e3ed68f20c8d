using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryLeasesIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Leases",
                table: "Deliveries",
                column: "LeaseExpiresAt",
                filter: "\"Status\" = 'InFlight'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Leases",
                table: "Deliveries");
        }
    }
}
