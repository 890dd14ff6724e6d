"""Each app's demo data, seeded through its services (lms.demo.services.DEMO_SEEDS)."""
