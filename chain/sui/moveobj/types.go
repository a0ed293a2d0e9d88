package moveobj

import "github.com/walrusfs/walrusfs/chain"

// The Move types Walrus objects have on Sui. pkg is the Walrus package that
// defined the type (the type-origin package, which stays the same across
// upgrades); wal is the package of the WAL coin.

// SuiFramework is 0x2, the package of coin, dynamic_field and sui.
var SuiFramework = [32]byte{31: 2}

func walrusType(pkg chain.ObjectID, module, name string, params ...TypeTag) StructTag {
	return StructTag{Address: pkg, Module: module, Name: name, TypeParams: params}
}

// SystemType is P::system::System.
func SystemType(pkg chain.ObjectID) StructTag { return walrusType(pkg, "system", "System") }

// StakingType is P::staking::Staking.
func StakingType(pkg chain.ObjectID) StructTag { return walrusType(pkg, "staking", "Staking") }

// BlobType is P::blob::Blob.
func BlobType(pkg chain.ObjectID) StructTag { return walrusType(pkg, "blob", "Blob") }

// StorageType is P::storage_resource::Storage.
func StorageType(pkg chain.ObjectID) StructTag {
	return walrusType(pkg, "storage_resource", "Storage")
}

// StakingPoolType is P::staking_pool::StakingPool.
func StakingPoolType(pkg chain.ObjectID) StructTag {
	return walrusType(pkg, "staking_pool", "StakingPool")
}

// SystemStateInnerV1Type is P::system_state_inner::SystemStateInnerV1.
func SystemStateInnerV1Type(pkg chain.ObjectID) StructTag {
	return walrusType(pkg, "system_state_inner", "SystemStateInnerV1")
}

// StakingInnerV1Type is P::staking_inner::StakingInnerV1.
func StakingInnerV1Type(pkg chain.ObjectID) StructTag {
	return walrusType(pkg, "staking_inner", "StakingInnerV1")
}

// MetadataType is P::metadata::Metadata.
func MetadataType(pkg chain.ObjectID) StructTag { return walrusType(pkg, "metadata", "Metadata") }

// WALType is W::wal::WAL, the WAL coin's type.
func WALType(wal chain.ObjectID) StructTag { return walrusType(wal, "wal", "WAL") }

// SUIType is 0x2::sui::SUI.
func SUIType() StructTag { return StructTag{Address: SuiFramework, Module: "sui", Name: "SUI"} }

// CoinType is 0x2::coin::Coin<coin>.
func CoinType(coin StructTag) StructTag {
	return StructTag{Address: SuiFramework, Module: "coin", Name: "Coin", TypeParams: []TypeTag{coin.TypeTag()}}
}

// DynamicFieldType is 0x2::dynamic_field::Field<key, value>.
func DynamicFieldType(key, value TypeTag) StructTag {
	return StructTag{Address: SuiFramework, Module: "dynamic_field", Name: "Field", TypeParams: []TypeTag{key, value}}
}

// SystemInnerFieldType is the type of a SystemInnerField:
// 0x2::dynamic_field::Field<u64, P::system_state_inner::SystemStateInnerV1>.
func SystemInnerFieldType(pkg chain.ObjectID) StructTag {
	return DynamicFieldType(TypeTag{Kind: KindU64}, SystemStateInnerV1Type(pkg).TypeTag())
}

// StakingInnerFieldType is the type of a StakingInnerField:
// 0x2::dynamic_field::Field<u64, P::staking_inner::StakingInnerV1>.
func StakingInnerFieldType(pkg chain.ObjectID) StructTag {
	return DynamicFieldType(TypeTag{Kind: KindU64}, StakingInnerV1Type(pkg).TypeTag())
}

// MetadataFieldType is the type of a MetadataField:
// 0x2::dynamic_field::Field<vector<u8>, P::metadata::Metadata>.
func MetadataFieldType(pkg chain.ObjectID) StructTag {
	return DynamicFieldType(VectorOf(TypeTag{Kind: KindU8}), MetadataType(pkg).TypeTag())
}
