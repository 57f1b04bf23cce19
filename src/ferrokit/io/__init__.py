"""Everything that touches files: readers and writers. Domain code never imports this package."""
