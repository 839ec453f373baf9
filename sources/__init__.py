"""What the departments deliver: contracts, readers, the inbox, the synthetic county."""
