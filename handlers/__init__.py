"""Platform adapters: turn platform updates into core requests and core replies into messages."""
