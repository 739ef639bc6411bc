"""The EC2 instance types Lambda Managed Instances can run on: vCPUs, memory and architecture, with sources.

Their on-demand prices are sim.prices.EC2_HOURLY (docs/facts.md s.10), with the same keys.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Where the vCPU and memory of each instance type come from. AWS's own specification pages:
#: the EC2 Instance Types Guide (general purpose) and, for m5, the older EC2 User Guide table
#: "Hardware Specifications" (Default vCPUs, Memory (GiB)), read as stored copies on 2026-11-27.
#: The m7g figures are also the vCPU/memory attributes of the AWS Price List Bulk API rows
#: BoxUsage:m7g.large / BoxUsage:m7g.xlarge (us-east-1, publication 2026-09-25), as transcribed in a
#: public research note; m6i/m7i were cross-checked only against third-party tables (confirmed secondary).
EC2_SPECS_SOURCE = "https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html"
EC2_SPECS_SOURCE_M5 = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/general-purpose-instances.html"
EC2_SPECS_SOURCE_PRICE_LIST = ("https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/"
                               "us-east-1/index.csv")


@dataclass(frozen=True)
class InstanceType:
    """An EC2 instance type LMI can run on: its vCPUs, memory and CPU architecture, with the source."""
    name: str
    vcpu: int
    memory_gib: float
    architecture: str
    source_url: str
    confidence: str


#: The instance types that have an on-demand price in sim.prices.EC2_HOURLY (the same keys).
EC2_INSTANCE_TYPES: dict[str, InstanceType] = {
    "m7g.large": InstanceType("m7g.large", 2, 8.0, "arm64", EC2_SPECS_SOURCE_PRICE_LIST, "confirmed (price list)"),
    "m7g.xlarge": InstanceType("m7g.xlarge", 4, 16.0, "arm64", EC2_SPECS_SOURCE_PRICE_LIST, "confirmed (price list)"),
    "m7i.xlarge": InstanceType("m7i.xlarge", 4, 16.0, "x86_64", EC2_SPECS_SOURCE, "confirmed (secondary)"),
    "m5.xlarge": InstanceType("m5.xlarge", 4, 16.0, "x86_64", EC2_SPECS_SOURCE_M5, "confirmed"),
    "m6i.xlarge": InstanceType("m6i.xlarge", 4, 16.0, "x86_64", EC2_SPECS_SOURCE, "confirmed (secondary)"),
}
