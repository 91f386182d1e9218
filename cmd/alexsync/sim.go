package main

import "github.com/spf13/cobra"

// newSimCmd is replaced by the simulator command.
func newSimCmd() *cobra.Command { return &cobra.Command{Use: "sim", Hidden: true} }
