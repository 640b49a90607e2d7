// The file formats of the control repository: one zod schema per file kind. They are the single
// source of truth for the TypeScript types of the files (z.infer), for loading (zod parse, its
// issues mapped back to YAML positions) and for editors (exported as JSON Schema by
// `aare schema --out DIR`). Cross-file rules (references, duplicates, DNS labels, CIDRs, Puppet
// types) are checked in the <kind>-checks.ts files, where they can point at both ends.
import { z } from 'zod';

const secretRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, {
    error: 'a secret is given by reference (env:VAR or file:path), never inline',
  })
  .meta({
    description:
      'A secret by reference: `env:VAR` (environment variable) or `file:path` (relative to the control repository).',
  });

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, { error: 'expected host:port' })
  .meta({ description: 'host:port' });

const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, { error: 'expected an http:// or https:// URL' });

const absPath = z.string().regex(/^\/\S*$/, { error: 'expected an absolute path' });

const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, {
    error: 'expected a DNS domain name in lower case (e.g. cloud.example.ch)',
  });

const isoDuration = z.string().regex(/^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$/, {
  error: 'expected an ISO 8601 duration such as P7D or PT4H',
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time of day HH:MM' });

const contact = z
  .strictObject({
    name: z.string().min(1),
    email: z.email({ error: 'expected an e-mail address' }),
    phone: z.string().min(1).optional(),
  })
  .meta({ description: 'Who to call: a person or team, with e-mail and optional phone.' });

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const timeWindow = z
  .strictObject({
    start: clock.meta({ description: 'Local start time (in the maintenance time zone).' }),
    duration: isoDuration.meta({ description: 'How long the window stays open, e.g. PT4H.' }),
    days: z
      .array(z.enum(weekdays))
      .min(1)
      .optional()
      .meta({ description: 'Weekdays on which the window may open (mon..sun); default every day.' }),
  })
  .meta({
    description:
      'A maintenance window: once per release, on the first allowed day at the start time, from the earliest time the policy allows; then open for the duration.',
  });

// ---------------------------------------------------------------------------------------------
// aare.yaml

export const maintenanceSchema = z
  .strictObject({
    timezone: z
      .string()
      .default('Europe/Zurich')
      .meta({ description: 'IANA time zone of all maintenance times.' }),
    freeze: z
      .strictObject({
        dayOfMonth: z.int().min(1).max(28).default(1),
        time: clock.default('00:00'),
      })
      .meta({ description: 'When every repository is frozen into the month’s release.' }),
    test: z
      .strictObject({
        afterFreeze: isoDuration.default('P0D'),
        window: timeWindow.optional().meta({
          description: 'The test rollout window; without it, any time from afterFreeze to the next freeze.',
        }),
      })
      .default({ afterFreeze: 'P0D' })
      .meta({ description: 'When the release goes to the test environments, counted from the freeze.' }),
    production: z
      .strictObject({
        afterFreeze: isoDuration.default('P7D'),
        minimumGapAfterTest: isoDuration
          .default('P7D')
          .meta({ description: 'How long a release stays on test before it may reach production.' }),
        requiresAcceptance: z.boolean().default(true),
        window: timeWindow.optional().meta({
          description:
            'The default production window (a customer environment may have its own); without it, any time from the earliest allowed to the next freeze.',
        }),
      })
      .meta({
        description: 'When the release goes to production, counted from the freeze; only after acceptance.',
      }),
  })
  .meta({ description: 'The monthly release policy.' });

export const aareFileSchema = z
  .strictObject({
    name: z
      .string()
      .meta({ description: 'Short name of the provider (a DNS label); used in key and repository names.' }),
    displayName: z.string().min(1).optional(),
    dnsDomain: domainName.meta({
      description: 'DNS domain under which every VM gets its name: <vm>.<env>.<customer>.<dnsDomain>.',
    }),
    endpoints: z
      .strictObject({
        openstack: z.strictObject({
          cloud: z
            .string()
            .min(1)
            .meta({ description: 'Cloud name in clouds.yaml (OS_CLIENT_CONFIG_FILE).' }),
          region: z.string().min(1).optional(),
        }),
        dns: z
          .strictObject({
            api: httpUrl.meta({ description: 'PowerDNS HTTP API base URL.' }),
            apiKey: secretRef,
            server: z.string().default('localhost'),
          })
          .optional()
          .meta({ description: 'PowerDNS Authoritative; without it Aare keeps no DNS records.' }),
        repository: z.strictObject({
          baseUrl: httpUrl.meta({
            description: 'Where `aare serve` publishes repositories: <baseUrl>/repos/<customer>/<env>/.',
          }),
        }),
        backup: z
          .strictObject({
            url: httpUrl.meta({
              description:
                'restic REST server (rest-server or rclone serve restic) with full access: Aare makes, lists and prunes the repositories <url>/<customer>/<environment>/.',
            }),
            vmUrl: httpUrl.optional().meta({
              description:
                'The same server as VMs reach it, append-only so a VM cannot delete its backups; default: url.',
            }),
            htpasswd: z.string().min(1).optional().meta({
              description:
                'The server’s htpasswd file (absolute path, or env:VAR naming one) in which Aare keeps one login per customer; without it the logins are the operator’s to install (`aare backup server-config`).',
            }),
          })
          .optional()
          .meta({ description: 'restic backups; without it Aare keeps no backups.' }),
        logging: z
          .strictObject({
            target: hostPort.meta({ description: 'The central rsyslog receiver the VMs forward to.' }),
            protocol: z.enum(['tcp', 'udp']).default('tcp'),
            tls: z
              .strictObject({
                caFile: absPath.meta({
                  description: 'On the VM: the CA certificate that signed the receiver’s certificate.',
                }),
                certFile: absPath.optional().meta({ description: 'On the VM: its client certificate.' }),
                keyFile: absPath.optional().meta({ description: 'On the VM: its client key.' }),
                permittedPeer: z.string().min(1).optional().meta({
                  description: 'Name the receiver’s certificate must carry; default the target’s host.',
                }),
              })
              .optional()
              .meta({ description: 'Forward over TLS (rsyslog gtls); TCP only. See docs/logging.md.' }),
          })
          .superRefine((l, ctx) => {
            if (l.tls && l.protocol !== 'tcp')
              ctx.addIssue({ code: 'custom', path: ['tls'], message: 'TLS needs protocol tcp' });
            if (l.tls && (l.tls.certFile === undefined) !== (l.tls.keyFile === undefined))
              ctx.addIssue({
                code: 'custom',
                path: ['tls', l.tls.certFile === undefined ? 'keyFile' : 'certFile'],
                message: 'give certFile and keyFile together',
              });
          }),
        mail: z.strictObject({
          relay: hostPort,
        }),
      })
      .meta({ description: 'The real systems Aare drives. Secrets only by reference.' }),
    users: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'expected a Unix user name' }),
          sshKeys: z
            .array(z.string().regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, { error: 'expected an SSH public key' }))
            .min(1),
          sudo: z.boolean().default(true),
        }),
      )
      .default([])
      .meta({ description: 'The provider’s operators: created on every VM with their SSH keys.' }),
    packageSigning: z
      .strictObject({
        key: secretRef.meta({ description: 'Armored OpenPGP secret key, by reference.' }),
      })
      .meta({ description: 'The key that signs RPMs and repository metadata.' }),
    repositories: z
      .strictObject({
        backend: z.enum(['local', 'pulp']).default('local'),
        url: z.url().optional().meta({ description: "Pulp's API origin, e.g. https://pulp.example.net" }),
        username: z.string().min(1).optional(),
        password: secretRef.optional(),
        signingService: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'The Pulp signing service that signs repomd.xml.' }),
      })
      .refine((r) => r.backend !== 'pulp' || (r.url && r.username && r.password && r.signingService), {
        error: 'backend pulp needs url, username, password (by reference) and signingService',
      })
      .optional()
      .meta({
        description:
          'Which back end carries out repository operations: the embedded one (default) or an existing Pulp 3.',
      }),
    puppet: z
      .strictObject({
        server: domainName,
        port: z.int().min(1).max(65535).default(8140),
        environment: z.string().default('production'),
      })
      .optional()
      .meta({
        description:
          'A Puppet server, when the provider uses one (else VMs are configured by cloud-init only).',
      }),
    maintenance: maintenanceSchema,
    portal: z
      .strictObject({
        oidc: z
          .strictObject({
            issuer: z.url().meta({
              description: 'The OpenID Connect issuer URL: https (http only on a loopback address).',
            }),
            clientId: z.string().min(1).meta({ description: "The portal's client id at the provider." }),
            clientSecret: secretRef.meta({ description: 'The client secret, by reference.' }),
            claim: z
              .string()
              .min(1)
              .default('sub')
              .meta({ description: "The ID token claim matched against a user's OIDC subject." }),
          })
          .optional()
          .meta({
            description:
              "The portal's OpenID Connect provider (docs/portal.md); `aare serve --oidc-*` flags override each setting.",
          }),
      })
      .optional()
      .meta({ description: 'The web portal (docs/portal.md).' }),
    flavors: z
      .record(
        z.string(),
        z.strictObject({
          vcpus: z.int().min(1),
          ramMb: z.int().min(128),
          diskGb: z.int().min(1),
        }),
      )
      .meta({ description: 'Nova flavors VMs may use, by name.' }),
    images: z
      .record(
        z.string(),
        z.strictObject({
          name: z.string().min(1).meta({ description: 'Glance image name.' }),
          osFamily: z.enum(['redhat', 'debian']),
          loginUser: z.string().min(1).optional(),
        }),
      )
      .meta({ description: 'Glance images VMs may use, by name.' }),
    typeAliases: z
      .record(z.string(), z.string())
      .default({})
      .meta({ description: "Puppet type aliases profiles may use, e.g. 'Aare::Port': 'Integer[1, 65535]'." }),
    sharedRepositories: z
      .array(z.string())
      .default([])
      .meta({ description: 'Provider package repositories that every distribution includes (e.g. base).' }),
  })
  .meta({ title: 'aare.yaml', description: 'The provider: name, DNS domain, endpoints, policies.' });

// ---------------------------------------------------------------------------------------------
// hiera.yaml (a light schema for editors; the Hiera engine checks the rest)

export const hieraConfigSchema = z
  .looseObject({
    version: z.literal(5, { error: 'hiera.yaml must be Hiera 5: `version: 5`' }),
    defaults: z.looseObject({ datadir: z.string().optional(), data_hash: z.string().optional() }).optional(),
    hierarchy: z
      .array(
        z.looseObject({
          name: z.string(),
          path: z.string().optional(),
          paths: z.array(z.string()).optional(),
          glob: z.string().optional(),
          globs: z.array(z.string()).optional(),
          mapped_paths: z.tuple([z.string(), z.string(), z.string()]).optional(),
          datadir: z.string().optional(),
          data_hash: z.string().optional(),
        }),
      )
      .optional(),
  })
  .meta({ title: 'hiera.yaml', description: 'Hiera 5 configuration.' });

export const hieraDataSchema = z
  .looseObject({
    lookup_options: z
      .record(
        z.string(),
        z.looseObject({
          merge: z
            .union([
              z.enum(['first', 'unique', 'hash', 'deep']),
              z.looseObject({ strategy: z.enum(['first', 'unique', 'hash', 'deep']) }),
            ])
            .optional(),
        }),
      )
      .optional(),
  })
  .meta({ title: 'Hiera data', description: 'Keys are <puppet class>::<parameter> or free keys.' });

// ---------------------------------------------------------------------------------------------
// profiles/<name>.yaml

export const profileParameterSchema = z.strictObject({
  type: z.string().min(1).meta({ description: "Puppet data type, e.g. Integer[1, 64] or Enum['a', 'b']." }),
  default: z
    .unknown()
    .optional()
    .meta({ description: 'Default value; a parameter without one is required.' }),
  doc: z.string().optional(),
});

export const profileFileSchema = z
  .strictObject({
    description: z.string().min(1),
    class: z
      .string()
      .regex(/^[a-z][a-z0-9_]*(::[a-z][a-z0-9_]*)*$/, {
        error: 'expected a Puppet class name such as profile::web',
      })
      .optional()
      .meta({ description: 'Puppet class; default profile::<name>.' }),
    customer: z
      .string()
      .optional()
      .meta({ description: 'Set for a customer’s own profile: only its VMs may use it.' }),
    parameters: z.record(z.string(), profileParameterSchema).default({}),
    packages: z.array(z.string().min(1)).default([]),
    services: z.array(z.string().min(1)).default([]),
    files: z
      .array(
        z.strictObject({
          path: absPath,
          template: z.string().min(1).meta({ description: 'Path under profiles/templates/.' }),
          mode: z
            .string({
              error: "expected a quoted octal mode such as '0644' (YAML 1.1 reads 0644 as a number)",
            })
            .regex(/^0?[0-7]{3,4}$/, { error: "expected an octal mode such as '0644'" })
            .optional(),
          owner: z.string().min(1).optional(),
          group: z.string().min(1).optional(),
        }),
      )
      .default([]),
    firewall: z
      .array(
        z.strictObject({
          port: z.int().min(1).max(65535),
          protocol: z.enum(['tcp', 'udp']).default('tcp'),
          from: z.string().default('any').meta({ description: "A CIDR, or 'any'." }),
        }),
      )
      .default([]),
    backup: z.strictObject({ paths: z.array(absPath).default([]) }).default({ paths: [] }),
    logs: z.array(absPath).default([]),
    dnsNames: z.array(z.string()).default([]).meta({
      description: 'Extra names in the VM’s environment zone: <name>.<env>.<customer>.<dnsDomain>.',
    }),
    sendsMail: z.boolean().default(false),
  })
  .meta({ title: 'Profile', description: 'One standard component (or a customer’s own).' });

// ---------------------------------------------------------------------------------------------
// roles/<name>.yaml

export const roleFileSchema = z
  .strictObject({
    description: z.string().min(1),
    customer: z.string().optional().meta({ description: 'Set for a customer’s own role.' }),
    profiles: z.array(z.string()).min(1),
    defaults: z
      .record(z.string(), z.unknown())
      .default({})
      .meta({ description: 'Parameter defaults as <puppet class>::<parameter>; Hiera data wins over them.' }),
  })
  .meta({ title: 'Role', description: 'The function of a server: a list of profiles.' });

// ---------------------------------------------------------------------------------------------
// tenants/<reseller>.yaml and tenants/<reseller>/<customer>.yaml

export const resellerFileSchema = z
  .strictObject({
    displayName: z.string().min(1),
    contact,
  })
  .meta({ title: 'Reseller', description: 'A reseller; its customers live in tenants/<reseller>/.' });

const vmOverride = z.strictObject({
  flavor: z.string().optional(),
  image: z.string().optional(),
  facts: z.record(z.string(), z.unknown()).optional(),
});

export const customerFileSchema = z
  .strictObject({
    displayName: z.string().min(1),
    contact,
    environments: z
      .record(
        z.string(),
        z.strictObject({
          network: z.strictObject({
            cidr: z.string().meta({ description: 'The environment’s subnet, e.g. 10.20.1.0/24.' }),
          }),
          productionWindow: timeWindow.optional(),
        }),
      )
      .meta({ description: 'test, production, ...: one network each.' }),
    vms: z
      .record(
        z.string(),
        z.strictObject({
          role: z.string(),
          flavor: z.string(),
          image: z.string(),
          environments: z
            .array(z.string())
            .min(1)
            .meta({ description: 'The environments this VM exists in.' }),
          facts: z.record(z.string(), z.unknown()).default({}),
          overrides: z
            .record(z.string(), vmOverride)
            .default({})
            .meta({ description: 'Per-environment flavor, image or extra facts.' }),
        }),
      )
      .default({}),
  })
  .meta({ title: 'Customer', description: 'A customer: contact, environments, VMs.' });

// ---------------------------------------------------------------------------------------------
// packages/<name>.yaml

export const packageFileSchema = z
  .strictObject({
    description: z.string().optional(),
    customer: z.string().optional().meta({ description: 'The customer whose software this is.' }),
    git: z.strictObject({
      url: z.string().min(1).meta({ description: 'Git URL, or a path relative to the control repository.' }),
    }),
    tagPattern: z
      .string()
      .default('^v(\\d+\\.\\d+\\.\\d+)$')
      .meta({ description: 'Regular expression for release tags; its first group is the RPM version.' }),
    spec: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Path of an RPM spec file inside the git source.' }),
    build: z
      .strictObject({
        summary: z.string().min(1),
        license: z.string().min(1).default('Proprietary'),
        arch: z.string().default('noarch'),
        requires: z.array(z.string().min(1)).default([]),
        install: z
          .array(z.strictObject({ from: z.string().min(1), to: absPath, mode: z.string().optional() }))
          .min(1)
          .meta({ description: 'Files or directories of the source tree and where they go.' }),
        service: z
          .strictObject({
            name: z.string().min(1),
            execStart: z.string().min(1),
            user: z.string().default('root'),
          })
          .optional()
          .meta({ description: 'A systemd unit to generate.' }),
      })
      .optional()
      .meta({ description: 'A simple build description, when the source has no spec file.' }),
    repositories: z.array(z.string()).min(1).meta({
      description: 'Target repositories: the customer’s own (its name) or shared ones from aare.yaml.',
    }),
  })
  .superRefine((p, ctx) => {
    if (p.spec !== undefined && p.build !== undefined)
      ctx.addIssue({ code: 'custom', path: ['build'], message: 'give either spec or build, not both' });
    if (p.spec === undefined && p.build === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give a spec file (spec) or a build description (build)',
      });
  })
  .meta({ title: 'Package', description: 'How a package is built from a git tag.' });

export type AareFile = z.infer<typeof aareFileSchema>;
export type ProfileFile = z.infer<typeof profileFileSchema>;
export type RoleFile = z.infer<typeof roleFileSchema>;
export type ResellerFile = z.infer<typeof resellerFileSchema>;
export type CustomerFile = z.infer<typeof customerFileSchema>;
export type PackageFile = z.infer<typeof packageFileSchema>;
export type Maintenance = z.infer<typeof maintenanceSchema>;
export type MaintenanceWindow = z.infer<typeof timeWindow>;
export type Weekday = (typeof weekdays)[number];

/** Every file kind, by the name its JSON Schema file gets (`<kind>.schema.json`). */
export const fileKinds = {
  aare: aareFileSchema,
  hiera: hieraConfigSchema,
  'hiera-data': hieraDataSchema,
  profile: profileFileSchema,
  role: roleFileSchema,
  reseller: resellerFileSchema,
  customer: customerFileSchema,
  package: packageFileSchema,
} as const;

export type FileKind = keyof typeof fileKinds;
