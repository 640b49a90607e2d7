import { z } from 'zod';
import { neutronBase, neutronCollection } from './neutron-common.js';

export const securityGroupRuleSchema = z.object({
  id: z.string(),
  security_group_id: z.string(),
  direction: z.enum(['ingress', 'egress']),
  ethertype: z.enum(['IPv4', 'IPv6']),
  protocol: z.string().nullable(),
  port_range_min: z.number().nullable(),
  port_range_max: z.number().nullable(),
  remote_ip_prefix: z.string().nullable(),
  remote_group_id: z.string().nullable(),
  description: z.string().nullish(),
  project_id: z.string().optional(),
});
export type SecurityGroupRule = z.infer<typeof securityGroupRuleSchema>;

export const securityGroupSchema = z.object({
  ...neutronBase,
  stateful: z.boolean().optional(),
  security_group_rules: z.array(securityGroupRuleSchema).default([]),
});
export type SecurityGroup = z.infer<typeof securityGroupSchema>;

/** `/v2.0/security-groups`: create, get, list, update, delete. */
export const securityGroups = neutronCollection('security-groups', 'security_group', securityGroupSchema);
/**
 * `/v2.0/security-group-rules`: create, get, list, delete (rules cannot be updated). Neutron keeps
 * one rule per group, direction, protocol, ports and remote: a rule equal in all of them is the
 * one a create made before its connection was lost.
 */
export const securityGroupRules = neutronCollection(
  'security-group-rules',
  'security_group_rule',
  securityGroupRuleSchema,
  {
    required: ['security_group_id'],
    fields: [
      'security_group_id',
      'direction',
      'ethertype',
      'protocol',
      'port_range_min',
      'port_range_max',
      'remote_ip_prefix',
      'remote_group_id',
    ],
    query: ['security_group_id'],
  },
);
